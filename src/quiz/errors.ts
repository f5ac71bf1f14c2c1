/** The same idempotency key arrived with a different request body: HTTP answers 409. */
export class IdempotencyConflictError extends Error {
  override readonly name = 'IdempotencyConflictError';
  constructor(
    readonly idempotencyKey: string,
    readonly batchId: string,
  ) {
    super(`idempotency key ${JSON.stringify(idempotencyKey)} was already used for batch ${batchId} with a different request`);
  }
}

/** A DLQ replay the service cannot do as asked (e.g. a budget override of a job that is not a quiz job): 422. */
export class ReplayRefusedError extends Error {
  override readonly name = 'ReplayRefusedError';
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}
