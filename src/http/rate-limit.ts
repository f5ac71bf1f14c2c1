import type { MiddlewareHandler } from 'hono';
import type { ApiRateLimiter, RateDecision } from '../accounts/index.js';
import type { AppEnv } from './env.js';
import { ApiError } from './errors.js';

function headersOf(d: RateDecision): Record<string, string> {
  return { 'RateLimit-Limit': String(d.limit), 'RateLimit-Remaining': String(d.remaining), 'RateLimit-Reset': String(d.resetSeconds) };
}

/**
 * Per-tenant API rate limits, after auth (the principal names the tenant and its key's
 * overrides): `POST /v1/batches` counts against `submit` and `all`, every other request against
 * `all`. Answers carry `RateLimit-Limit/-Remaining/-Reset`; over the limit, 429 `rate_limited` with
 * `Retry-After`. Without a limit configured this adds no query.
 */
export function rateLimit(limiter: ApiRateLimiter): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const p = c.var.principal;
    const submit = c.req.method === 'POST' && c.req.path === '/v1/batches';
    const decision = await limiter.check(p.tenant, { submit, overrides: p.limits });
    if (decision === null) return next();
    const headers = headersOf(decision);
    if (!decision.allowed) {
      const what = decision.bucket === 'submit' ? 'batch submissions' : 'requests';
      throw new ApiError(429, 'rate_limited', `rate limit exceeded: at most ${decision.limit} ${what} per minute for tenant ${p.tenant}; retry in ${decision.resetSeconds} s`, undefined, {
        ...headers,
        'Retry-After': String(decision.resetSeconds),
      });
    }
    // Set before the handler (not on `c.res` after it: an SSE stream owns its socket's headers).
    for (const [k, v] of Object.entries(headers)) c.header(k, v);
    await next();
  };
}
