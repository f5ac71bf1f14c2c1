import type { FailTransition } from '../db/jobs/fail.js';
import { PermanentError, RetryAfterError, SnoozeError, coerceError } from './errors.js';
import type { JobError } from './types.js';

/** Upper bound of the retry delay after `attempt` (1-based): min(cap, base·2^(attempt−1)). */
export function backoffCeiling(attempt: number, baseMs: number, capMs: number): number {
  const exp = baseMs * 2 ** Math.max(0, attempt - 1);
  return Math.max(0, Math.min(capMs, exp));
}

/** Full jitter (AWS): uniform in [0, ceiling], so retrying workers spread out instead of stampeding. */
export function fullJitterDelay(attempt: number, baseMs: number, capMs: number, random: () => number = Math.random): number {
  const ceiling = backoffCeiling(attempt, baseMs, capMs);
  return Math.min(ceiling, Math.floor(random() * (ceiling + 1)));
}

/** A thrown value as the JSON error document kept on the job (message, name, details). */
export function toJobError(err: unknown): JobError {
  const e = coerceError(err);
  const out: JobError = { message: e.message, name: e.name };
  const details = (e as { details?: unknown }).details;
  if (details !== undefined) {
    try {
      out.details = JSON.parse(JSON.stringify(details)) as unknown;
    } catch {
      out.details = String(details);
    }
  }
  return out;
}

/**
 * The one place that decides what a failed attempt becomes: PermanentError → dead with its
 * reason; SnoozeError → ready after its delay, attempt given back; attempts exhausted → dead
 * 'exhausted'; RetryAfterError → ready after its delay; anything else → ready after a full-jitter backoff.
 */
export function decideFailure(
  job: { attempt: number; maxAttempts: number },
  err: unknown,
  policy: { baseMs: number; capMs: number; random?: () => number },
): FailTransition {
  if (err instanceof SnoozeError) return { kind: 'snooze', delayMs: Math.max(0, Math.floor(err.delayMs)) };
  const error = toJobError(err);
  if (err instanceof PermanentError) return { kind: 'dead', reason: err.reason || 'permanent', error };
  if (job.attempt >= job.maxAttempts) return { kind: 'dead', reason: 'exhausted', error };
  if (err instanceof RetryAfterError) return { kind: 'retry', delayMs: Math.max(0, Math.floor(err.delayMs)), error };
  return { kind: 'retry', delayMs: fullJitterDelay(job.attempt, policy.baseMs, policy.capMs, policy.random), error };
}
