import {
  APIConnectionError,
  APIConnectionTimeoutError,
  APIError,
  APIUserAbortError,
} from 'openai';
import { FIXTURE_MISSING } from './cassette-fetch.js';
import { parseRateLimitHeaders, type RateLimitInfo } from './rate-headers.js';

/** What went wrong talking to the model, in terms the retry policy can act on. */
export type ModelErrorKind =
  | 'rate_limited'
  | 'server_error'
  | 'timeout'
  | 'connection'
  | 'bad_request'
  | 'unauthorized'
  | 'forbidden'
  | 'not_found'
  | 'fixture_missing'
  | 'unknown';

export type ModelError = {
  kind: ModelErrorKind;
  status?: number;
  message: string;
  retryAfterMs?: number;
  /** The `x-ratelimit-*` headers of the error response, when it sent any. */
  rateLimit?: RateLimitInfo;
};

/** True for a strict-replay miss, whether seen as the SDK's error or as our classified ModelError. */
export function isFixtureMissing(err: unknown): boolean {
  if (err instanceof APIError) {
    return err.status === 404 && (err.code === FIXTURE_MISSING || err.type === FIXTURE_MISSING);
  }
  return err !== null && typeof err === 'object' && 'kind' in err && err.kind === FIXTURE_MISSING;
}

/** Server's requested wait: `retry-after-ms`, else `Retry-After` as seconds or an HTTP date. */
export function parseRetryAfter(headers: Headers | undefined, now: number = Date.now()): number | undefined {
  if (!headers) return undefined;
  const ms = headers.get('retry-after-ms');
  if (ms !== null && ms.trim() !== '') {
    const value = Number(ms);
    if (Number.isFinite(value) && value >= 0) return Math.round(value);
  }
  const ra = headers.get('retry-after')?.trim();
  if (!ra) return undefined;
  if (/^\d+(\.\d+)?$/.test(ra)) return Math.round(Number(ra) * 1000);
  const at = Date.parse(ra);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - now);
}

/** True when the caller's own AbortSignal ended the call: that is a decision, not a model failure. */
export function isUserAbort(err: unknown): boolean {
  return err instanceof APIUserAbortError;
}

/** Maps whatever the SDK threw onto a ModelError; the subclass checks run most specific first. */
export function classifyModelError(err: unknown): ModelError {
  if (err instanceof APIConnectionTimeoutError) return { kind: 'timeout', message: err.message };
  if (err instanceof APIConnectionError) {
    const cause = err.cause instanceof Error ? `: ${err.cause.message}` : '';
    return { kind: 'connection', message: `${err.message}${cause}` };
  }
  if (err instanceof APIError && typeof err.status === 'number') {
    const status = err.status;
    const base = { status, message: err.message };
    const retryAfterMs = parseRetryAfter(err.headers);
    const withRetry = retryAfterMs === undefined ? base : { ...base, retryAfterMs };
    if (status === 429) {
      const rateLimit = parseRateLimitHeaders(err.headers);
      return { kind: 'rate_limited', ...withRetry, ...(rateLimit ? { rateLimit } : {}) };
    }
    if (status >= 500) return { kind: 'server_error', ...withRetry };
    if (status === 408) return { kind: 'timeout', ...withRetry };
    // 409 is a lock timeout at OpenAI; the SDK itself treats it as transient.
    if (status === 409) return { kind: 'server_error', ...withRetry };
    if (status === 401) return { kind: 'unauthorized', ...base };
    if (status === 403) return { kind: 'forbidden', ...base };
    if (status === 404) return { kind: isFixtureMissing(err) ? 'fixture_missing' : 'not_found', ...base };
    if (status >= 400) return { kind: 'bad_request', ...base };
    return { kind: 'unknown', ...base };
  }
  if (err instanceof Error) return { kind: 'unknown', message: `${err.name}: ${err.message}` };
  return { kind: 'unknown', message: String(err) };
}
