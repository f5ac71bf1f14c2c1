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

/** A cancel arrived for a batch that already finished (succeeded): HTTP answers 409. */
export class BatchFinishedError extends Error {
  override readonly name = 'BatchFinishedError';
  constructor(
    readonly batchId: string,
    readonly status: string,
  ) {
    super(`batch ${batchId} already ${status}; there is nothing to cancel`);
  }
}
