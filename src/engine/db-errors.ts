/**
 * Which database failures are worth retrying. Serialization failures, deadlocks, lock timeouts,
 * admin/crash shutdowns, "cannot connect now" and lost connections heal on their own; a syntax
 * error or a constraint violation does not.
 */
const RETRYABLE_CODES = new Set(['40001', '40P01', '55P03', '57P01', '57P02', '57P03', '53300', '53400']);
const RETRYABLE_NODE_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'EAI_AGAIN', 'ENOTFOUND']);
const CONNECTION_MESSAGE =
  /connection terminated|terminating connection|connection error|not queryable|connection ended|timeout exceeded when trying to connect/i;

function chain(err: unknown): unknown[] {
  const out: unknown[] = [];
  let cur: unknown = err;
  for (let i = 0; i < 5 && cur !== undefined && cur !== null; i++) {
    out.push(cur);
    cur = typeof cur === 'object' && 'cause' in cur ? (cur as { cause?: unknown }).cause : undefined;
  }
  return out;
}

function codeOf(e: unknown): string | undefined {
  if (typeof e !== 'object' || e === null || !('code' in e)) return undefined;
  const code = (e as { code?: unknown }).code;
  return typeof code === 'string' ? code : undefined;
}

/** True when retrying the same operation later can succeed (looks through drizzle's wrapper). */
export function isTransientDbError(err: unknown): boolean {
  return chain(err).some((e) => {
    const code = codeOf(e);
    if (code && (RETRYABLE_CODES.has(code) || code.startsWith('08') || RETRYABLE_NODE_CODES.has(code))) return true;
    return e instanceof Error && CONNECTION_MESSAGE.test(e.message);
  });
}

/**
 * True when the database did not answer in time or at all: a transient error, or a statement
 * cancelled by `statement_timeout` (57014). The HTTP layer answers these with 503.
 */
export function isDbUnavailable(err: unknown): boolean {
  return isTransientDbError(err) || chain(err).some((e) => codeOf(e) === '57014');
}

/** A short, loggable description: the driver's message and SQLSTATE, not drizzle's query dump. */
export function describeDbError(err: unknown): { message: string; code?: string } {
  const all = chain(err);
  const inner = all[all.length - 1];
  const code = all.map(codeOf).find((c) => c !== undefined);
  const message = inner instanceof Error ? inner.message : String(inner);
  return code ? { message, code } : { message };
}

/**
 * Runs `fn`, retrying transient database errors with capped exponential backoff. Only for
 * operations that are safe to repeat (fenced writes, claims whose lost result the reaper recovers).
 */
export async function retryTransient<T>(
  fn: () => Promise<T>,
  opts: { attempts?: number; baseMs?: number; maxMs?: number; onRetry?: (err: unknown, attempt: number) => void } = {},
): Promise<T> {
  const attempts = opts.attempts ?? 6;
  for (let i = 1; ; i++) {
    try {
      return await fn();
    } catch (err) {
      if (i >= attempts || !isTransientDbError(err)) throw err;
      opts.onRetry?.(err, i);
      const delay = Math.min(opts.maxMs ?? 2_000, (opts.baseMs ?? 50) * 2 ** (i - 1));
      await new Promise((r) => setTimeout(r, Math.floor(Math.random() * delay) + 1));
    }
  }
}
