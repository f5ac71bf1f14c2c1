import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { ATTR_HTTP_REQUEST_METHOD, ATTR_HTTP_RESPONSE_STATUS_CODE, ATTR_HTTP_ROUTE } from '@opentelemetry/semantic-conventions';
import type { Context } from 'hono';
import { tracer } from '../telemetry/spans.js';
import type { AppEnv } from './env.js';
import { ApiError } from './errors.js';
import { mapDomainError } from './domain-errors.js';

/**
 * Runs a route handler as one `{METHOD} {route}` server span, active while the handler runs (so
 * the jobs it enqueues link to it). A refusal (4xx) is the client's error, not the server's: the
 * span keeps an unset status, as the HTTP conventions say; 5xx and unexpected errors fail it.
 */
export async function tracedRoute(c: Context<AppEnv>, route: string, fn: () => Promise<Response>): Promise<Response> {
  const method = c.req.method;
  return tracer().startActiveSpan(
    `${method} ${route}`,
    { kind: SpanKind.SERVER, attributes: { [ATTR_HTTP_REQUEST_METHOD]: method, [ATTR_HTTP_ROUTE]: route } },
    async (span) => {
      try {
        const res = await fn();
        span.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, res.status);
        return res;
      } catch (err) {
        const api = err instanceof ApiError ? err : mapDomainError(err);
        const status = api?.status ?? 500;
        span.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, status);
        if (status >= 500) {
          span.recordException(err instanceof Error ? err : new Error(String(err)));
          span.setStatus({ code: SpanStatusCode.ERROR });
          span.setAttribute('error.type', api ? String(status) : err instanceof Error ? err.name : 'unknown');
        }
        throw err;
      } finally {
        span.end();
      }
    },
  );
}
