/**
 * Typed outcomes a handler can signal. Anything else thrown is coerced into an Error and treated
 * as transient (retried with backoff until attempts run out).
 */

/** The job cannot succeed by retrying: dead-letter it now with `reason`. */
export class PermanentError extends Error {
  override readonly name = 'PermanentError';
  constructor(
    readonly reason: string,
    message: string,
    readonly details?: unknown,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Transient failure with a delay the handler names (e.g. a provider's Retry-After). */
export class RetryAfterError extends Error {
  override readonly name = 'RetryAfterError';
  constructor(
    readonly delayMs: number,
    message: string,
    readonly details?: unknown,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/**
 * Not a failure: the job is waiting on something outside (a provider's batch, say) and should run
 * again after `delayMs`. It is released without spending an attempt or writing an error, so a
 * job may snooze as often as it needs while its attempts stay for real failures.
 */
export class SnoozeError extends Error {
  override readonly name = 'SnoozeError';
  constructor(
    readonly delayMs: number,
    message = `snoozed for ${delayMs} ms`,
  ) {
    super(message);
  }
}

/** A dependency graph contains a cycle; `cycle` lists the refs around it. */
export class CycleError extends Error {
  override readonly name = 'CycleError';
  constructor(readonly cycle: string[]) {
    super(`dependency cycle: ${cycle.join(' -> ')}`);
  }
}

/** A graph node depends on a ref or job id that does not exist. */
export class UnknownDependencyError extends Error {
  override readonly name = 'UnknownDependencyError';
  constructor(
    readonly ref: string,
    readonly missing: string,
  ) {
    super(`job ${ref} depends on unknown ${missing}`);
  }
}

/** A DLQ operation addressed a job that is not (or no longer) dead. */
export class NotDeadError extends Error {
  override readonly name = 'NotDeadError';
  constructor(
    readonly jobId: number,
    readonly state: string | null,
  ) {
    super(state === null ? `job ${jobId} does not exist` : `job ${jobId} is ${state}, not dead`);
  }
}

/** Turns any thrown value into an Error without losing what it was. */
export function coerceError(err: unknown): Error {
  if (err instanceof Error) return err;
  if (typeof err === 'string') return new Error(err);
  try {
    return new Error(JSON.stringify(err));
  } catch {
    return new Error(String(err));
  }
}

/** A DLQ page cursor that this engine did not produce (or that was tampered with). */
export class InvalidCursorError extends Error {
  override readonly name = 'InvalidCursorError';
  constructor(readonly cursor: string) {
    super('invalid cursor');
  }
}
