import { BudgetExhaustedError, UnpricedBudgetError } from '../accounts/budget-errors.js';
import { isDbUnavailable } from '../engine/db-errors.js';
import { InvalidCursorError, NotDeadError } from '../engine/errors.js';
import { AcceptRejectedError, NotAcceptableError } from '../quiz/accept.js';
import { BatchActiveError, BatchFinishedError, IdempotencyConflictError, ReplayRefusedError, SourceRejectedError, UnknownBatchesError, UnknownSourceError } from '../quiz/errors.js';
import { ApiError, notFound } from './errors.js';

/**
 * Translates the service's typed refusals into HTTP answers, in one table, so a route never
 * decides a status code for a domain error on its own.
 */
export function mapDomainError(err: unknown): ApiError | null {
  if (err instanceof NotDeadError) {
    return err.state === null ? notFound('dead job') : new ApiError(409, 'conflict', `job ${err.jobId} is ${err.state}, not dead`);
  }
  if (err instanceof IdempotencyConflictError) {
    return new ApiError(409, 'idempotency_conflict', 'Idempotency-Key was already used with a different request body');
  }
  if (err instanceof BatchFinishedError) return new ApiError(409, 'conflict', err.message);
  if (err instanceof BatchActiveError) return new ApiError(409, 'conflict', err.message);
  if (err instanceof UnknownSourceError) {
    return new ApiError(422, 'validation_failed', 'request does not match the schema', [{ path: 'sourceId', message: err.message }]);
  }
  if (err instanceof UnknownBatchesError) {
    const details = err.unknown.map((u) => ({ path: `distinctFrom[${u.index}]`, message: `batch ${JSON.stringify(u.batchId)} does not exist` }));
    return new ApiError(422, 'validation_failed', 'request does not match the schema', details);
  }
  if (err instanceof SourceRejectedError) {
    if (err.reason === 'unsupported') return new ApiError(415, 'unsupported_media_type', err.message);
    if (err.reason === 'too_large') return new ApiError(413, 'payload_too_large', err.message);
    if (err.reason === 'empty') return new ApiError(422, 'validation_failed', err.message, [{ path: 'text', message: err.message }]);
    return new ApiError(422, 'unreadable_document', `${err.reason}: ${err.message}`);
  }
  if (err instanceof AcceptRejectedError) {
    return new ApiError(422, 'validation_failed', err.message, err.issues.map((i) => ({ path: i.path, message: `${i.code}: ${i.message}` })));
  }
  if (err instanceof NotAcceptableError) return new ApiError(409, 'conflict', err.message);
  if (err instanceof BudgetExhaustedError) return new ApiError(402, 'budget_exhausted', err.message);
  if (err instanceof UnpricedBudgetError) {
    return new ApiError(422, 'validation_failed', 'request does not match the schema', [{ path: err.field, message: err.message }]);
  }
  if (err instanceof InvalidCursorError) {
    return new ApiError(422, 'validation_failed', 'request does not match the schema', [{ path: 'cursor', message: 'invalid cursor' }]);
  }
  // A full pool, a lost connection, a database that is down or restarting (the PostgreSQL restart
  // fault test), or a statement past statement_timeout: nothing is wrong with the request, so say
  // so and invite a retry instead of a 500.
  if (isDbUnavailable(err)) {
    return new ApiError(503, 'unavailable', 'the database did not answer in time; retry shortly', undefined, { 'Retry-After': '1' });
  }
  if (err instanceof ReplayRefusedError) {
    return new ApiError(422, 'validation_failed', err.message, [{ path: err.field, message: err.message }]);
  }
  return null;
}
