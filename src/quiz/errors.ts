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

/** A delete arrived for a batch with jobs still waiting, ready or running: HTTP answers 409 (cancel first). */
export class BatchActiveError extends Error {
  override readonly name = 'BatchActiveError';
  constructor(
    readonly batchId: string,
    readonly active: number,
  ) {
    super(`batch ${batchId} has ${active} unfinished job(s); cancel it first (POST /v1/batches/${batchId}/cancel)`);
  }
}

/** Why a document was refused; HTTP maps each reason to one status (415, 413 or 422). */
export type SourceRejection = 'unsupported' | 'too_large' | 'encrypted' | 'corrupt' | 'no_text' | 'empty' | 'timeout';

/** An uploaded document that cannot become a source. Nothing was stored. */
export class SourceRejectedError extends Error {
  override readonly name = 'SourceRejectedError';
  constructor(
    readonly reason: SourceRejection,
    message: string,
  ) {
    super(message);
  }
}

/** A batch names a source that is not stored: HTTP answers 422 at `sourceId`. */
export class UnknownSourceError extends Error {
  override readonly name = 'UnknownSourceError';
  constructor(readonly sourceId: string) {
    super(`source ${JSON.stringify(sourceId)} does not exist`);
  }
}

/** `distinctFrom` names batches that do not exist: 422, one problem per index (`distinctFrom[2]`). */
export class UnknownBatchesError extends Error {
  override readonly name = 'UnknownBatchesError';
  constructor(readonly unknown: ReadonlyArray<{ index: number; batchId: string }>) {
    super(`distinctFrom names ${unknown.length} unknown batch${unknown.length === 1 ? '' : 'es'}`);
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
