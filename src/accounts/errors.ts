/** A `keys create` (or other accounts) input that cannot be accepted, naming the field. */
export class AccountInputError extends Error {
  override readonly name = 'AccountInputError';
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
  }
}
