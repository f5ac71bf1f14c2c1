import type { MiddlewareHandler } from 'hono';
import { routePath } from 'hono/route';
import { Histogram, type Registry } from 'prom-client';
import type { Logger } from '../log.js';
import type { AppEnv } from './env.js';

export const HTTP_DURATION_METRIC = 'quizforge_http_request_duration_seconds';

/** Reuses the histogram when several apps share a registry (tests, hot reload) instead of throwing. */
function httpHistogram(registry: Registry): Histogram<'route' | 'method' | 'status'> {
  const existing = registry.getSingleMetric(HTTP_DURATION_METRIC);
  if (existing instanceof Histogram) return existing as Histogram<'route' | 'method' | 'status'>;
  return new Histogram({
    name: HTTP_DURATION_METRIC,
    help: 'HTTP request duration until the response headers, by route pattern, method and status.',
    labelNames: ['route', 'method', 'status'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
}

const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

/**
 * Request-scoped logger plus one structured access-log line and one histogram observation per
 * request. Labels use the matched route pattern, never the raw path, so hostile URLs cannot blow
 * up the metric's cardinality.
 */
export function observe(opts: { logger: Logger; registry: Registry }): MiddlewareHandler<AppEnv> {
  const histogram = httpHistogram(opts.registry);
  return async (c, next) => {
    const started = performance.now();
    const log = opts.logger.child({ reqId: c.var.requestId });
    c.set('log', log);
    await next();
    const seconds = (performance.now() - started) / 1000;
    const status = c.res.status;
    const route = routePath(c);
    const method = METHODS.has(c.req.method) ? c.req.method : 'OTHER';
    histogram.observe({ route, method, status: String(status) }, seconds);
    log.info(
      { method, path: c.req.path.slice(0, 200), route, status, ms: Math.round(seconds * 1000) },
      'request',
    );
  };
}
