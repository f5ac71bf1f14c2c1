import { isTransientDbError } from '../engine/db-errors.js';
import { InvalidCursorError, NotDeadError } from '../engine/errors.js';
import { BatchFinishedError, IdempotencyConflictError, SourceRejectedError, UnknownSourceError } from '../quiz/errors.js';
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
  if (err instanceof UnknownSourceError) {
    return new ApiError(422, 'validation_failed', 'request does not match the schema', [{ path: 'sourceId', message: err.message }]);
  }
  if (err instanceof SourceRejectedError) {
    if (err.reason === 'unsupported') return new ApiError(415, 'unsupported_media_type', err.message);
    if (err.reason === 'too_large') return new ApiError(413, 'payload_too_large', err.message);
    if (err.reason === 'empty') return new ApiError(422, 'validation_failed', err.message, [{ path: 'text', message: err.message }]);
    return new ApiError(422, 'unreadable_document', `${err.reason}: ${err.message}`);
  }
  if (err instanceof InvalidCursorError) {
    return new ApiError(422, 'validation_failed', 'request does not match the schema', [{ path: 'cursor', message: 'invalid cursor' }]);
  }
  // The service may also name a job outside the quiz queues this way.
  if (err instanceof Error && err.name === 'UnknownJobError') return notFound('dead job');
  // The database is down or restarting (found by the PostgreSQL restart fault test): a 503 the
  // client may retry, not a 500 that reads as a bug.
  if (isTransientDbError(err)) {
    return new ApiError(503, 'unavailable', 'database temporarily unavailable; retry shortly', undefined, { 'Retry-After': '1' });
  }
  return null;
}
