import { PermanentError, RetryAfterError } from '../engine/errors.js';
import type { ModelError } from '../model/errors.js';

/** A transient model failure without a server-named delay: the engine retries it with backoff. */
export class ModelUnavailableError extends Error {
  override readonly name = 'ModelUnavailableError';
  constructor(
    message: string,
    readonly details: ModelError,
  ) {
    super(message);
  }
}

/** Dead-letter reasons the pipeline uses; the DLQ view groups by them. */
export const DEAD_REASONS = {
  validation: 'validation',
  refusal: 'refusal',
  provider: 'provider',
  /** `verify: "required"` and the verifier gave no usable answer for a question, twice. */
  verification: 'verification',
  /** The batch's `maxTokens`/`maxCostUsd` or its tenant's period budget could not cover another call. */
  budget: 'budget',
} as const;

/** The error as recorded and acted on, with a provider delay above `maxMs` clamped to it (and saying so). */
export function clampRetryAfter(error: ModelError, maxMs: number): ModelError & { requestedRetryAfterMs?: number } {
  if (error.retryAfterMs === undefined || error.retryAfterMs <= maxMs) return error;
  return {
    ...error,
    retryAfterMs: maxMs,
    requestedRetryAfterMs: error.retryAfterMs,
    message: `${error.message} (Retry-After of ${error.retryAfterMs} ms clamped to ${maxMs} ms, QUIZFORGE_MAX_RETRY_AFTER_MS)`,
  };
}

/**
 * The failure policy for a model call that did not produce an answer: rate limits, server errors,
 * timeouts and dropped connections are the engine's to retry (with the server's Retry-After when it
 * named one); a request the provider rejects as such will fail the same way every time, so it goes
 * to the DLQ at once with the provider's own message.
 */
export function errorForModelFailure(error: ModelError): Error {
  const label = error.status === undefined ? error.kind : `${error.kind} (HTTP ${error.status})`;
  switch (error.kind) {
    case 'rate_limited':
    case 'server_error':
    case 'timeout':
    case 'connection':
    case 'unknown':
      return error.retryAfterMs !== undefined
        ? new RetryAfterError(error.retryAfterMs, `model ${label}: ${error.message}`, error)
        : new ModelUnavailableError(`model ${label}: ${error.message}`, error);
    case 'bad_request':
    case 'unauthorized':
    case 'forbidden':
    case 'not_found':
    case 'fixture_missing':
      return new PermanentError(DEAD_REASONS.provider, error.message, error);
  }
}
