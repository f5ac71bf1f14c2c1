import { InvalidCursorError, NotDeadError } from '../engine/errors.js';
import { AcceptRejectedError, NotAcceptableError } from '../quiz/accept.js';
import { IdempotencyConflictError } from '../quiz/errors.js';
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
  if (err instanceof AcceptRejectedError) {
    return new ApiError(422, 'validation_failed', err.message, err.issues.map((i) => ({ path: i.path, message: `${i.code}: ${i.message}` })));
  }
  if (err instanceof NotAcceptableError) return new ApiError(409, 'conflict', err.message);
  if (err instanceof InvalidCursorError) {
    return new ApiError(422, 'validation_failed', 'request does not match the schema', [{ path: 'cursor', message: 'invalid cursor' }]);
  }
  // The service may also name a job outside the quiz queues this way.
  if (err instanceof Error && err.name === 'UnknownJobError') return notFound('dead job');
  return null;
}
