import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { requestId } from 'hono/request-id';
import { secureHeaders } from 'hono/secure-headers';
import { ApiRateLimiter, ManagedKeys } from '../accounts/index.js';
import { Authenticator, authContext, requireAuth } from './auth.js';
import type { AppDeps } from './deps.js';
import { mapDomainError } from './domain-errors.js';
import type { AppEnv } from './env.js';
import { ApiError, createErrorHandler, methodNotAllowed, notFoundHandler } from './errors.js';
import { hostGuard } from './host-guard.js';
import { observe } from './observe.js';
import { rateLimit } from './rate-limit.js';
import { registerBatchRoutes } from './routes/batches.js';
import { registerDlqRoutes } from './routes/dlq.js';
import { registerExportRoutes } from './routes/export.js';
import { registerOpsRoutes } from './routes/ops.js';
import { registerSourceRoutes, SOURCE_BODY_LIMIT_BYTES } from './routes/sources.js';
import { EventHub } from './sse-hub.js';
import { GroupOwners } from './sse-owners.js';

export const DEFAULT_BODY_LIMIT_BYTES = 64 * 1024;
export const DEFAULT_KEEP_ALIVE_MS = 15_000;

/** Every API path with the methods it answers; anything else on these paths is 405. */
const API_PATHS: ReadonlyArray<readonly [string, readonly string[]]> = [
  ['/v1/batches', ['GET', 'POST']],
  ['/v1/batches/:id', ['GET']],
  ['/v1/batches/:id/cancel', ['POST']],
  ['/v1/batches/:id/events', ['GET']],
  ['/v1/batches/:id/export', ['GET']],
  ['/v1/events', ['GET']],
  ['/v1/usage', ['GET']],
  ['/v1/sources', ['GET', 'POST']],
  ['/v1/sources/:id', ['GET']],
  ['/v1/dlq', ['GET']],
  ['/v1/dlq/:id', ['GET']],
  ['/v1/dlq/:id/replay', ['POST']],
  ['/v1/dlq/:id/discard', ['POST']],
  ['/healthz', ['GET']],
  ['/readyz', ['GET']],
  ['/metrics', ['GET']],
  ['/openapi.json', ['GET']],
];

export type QuizforgeApp = Hono<AppEnv> & {
  /** The SSE fan-out; `close()` it on shutdown. */
  hub: EventHub;
  /** False when no key is configured: `startServer` then only binds loopback. */
  authEnabled: boolean;
};

/**
 * Builds the whole HTTP surface from its dependencies, with no I/O at construction, so tests drive
 * it through `app.request()` and `serve` runs the same object. Middleware order: request id →
 * access log/metrics → security headers → open-mode Host check → auth context → body limit → routes → pages → 404/405.
 */
export function createApp(deps: AppDeps): QuizforgeApp {
  const app = new Hono<AppEnv>();
  const keyCache = deps.auth.keyCacheTtlMs === undefined ? {} : { ttlMs: deps.auth.keyCacheTtlMs };
  const auth = new Authenticator(deps.auth, new ManagedKeys(deps.database.db, keyCache));
  const limiter = new ApiRateLimiter(deps.database.db, deps.rateLimits ?? { submit: null, all: null });
  const owners = new GroupOwners((ids) => deps.quiz.batchOwners(ids));
  const hub = new EventHub(deps.engine.events, {
    logger: deps.logger,
    owners,
    ...(deps.sse?.pollMs === undefined ? {} : { pollMs: deps.sse.pollMs }),
  });
  const bodyLimitBytes = deps.bodyLimitBytes ?? DEFAULT_BODY_LIMIT_BYTES;

  app.use(requestId({ limitLength: 128 }));
  app.use(observe({ logger: deps.logger, registry: deps.registry }));
  app.use(
    secureHeaders({
      contentSecurityPolicy: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", 'data:'],
        connectSrc: ["'self'"],
        objectSrc: ["'none'"],
        baseUri: ["'none'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
      },
      crossOriginEmbedderPolicy: false,
    }),
  );
  app.use(hostGuard(auth.enabled, deps.auth.allowedHosts ?? []));
  app.use(authContext(auth));
  const limitOf = (maxSize: number) =>
    bodyLimit({
      maxSize,
      onError: () => {
        throw new ApiError(413, 'payload_too_large', `request body larger than ${maxSize} bytes`);
      },
    });
  const generalLimit = limitOf(bodyLimitBytes);
  // Document uploads (the API's and the request form's) get their own, larger bound; every other body keeps the general one.
  const sourceLimit = limitOf(Math.max(bodyLimitBytes, SOURCE_BODY_LIMIT_BYTES));
  const isUpload = (path: string) => (path === '/v1/sources' && deps.sources !== undefined) || (path === '/batches/new' && deps.pages !== undefined);
  // A GET or HEAD has no body to bound (the fetch Request of one never carries it), and asking
  // for `c.req.raw.body` makes @hono/node-server build a full Request and AbortSignal per request
  // (8 % of the served process's CPU under a load of batch reads, in a CPU profile).
  app.use((c, next) => {
    if (c.req.method === 'GET' || c.req.method === 'HEAD') return next();
    return isUpload(c.req.path) ? sourceLimit(c, next) : generalLimit(c, next);
  });
  app.use('/v1/*', requireAuth('api'), rateLimit(limiter));

  registerBatchRoutes(app, {
    quiz: deps.quiz,
    feed: deps.engine.events,
    hub,
    owners,
    keepAliveMs: deps.sse?.keepAliveMs ?? DEFAULT_KEEP_ALIVE_MS,
    retryMs: deps.sse?.retryMs ?? 2000,
    ...(deps.sse?.maxBufferedBytes === undefined ? {} : { maxBufferedBytes: deps.sse.maxBufferedBytes }),
  });
  registerExportRoutes(app, { quiz: deps.quiz });
  registerDlqRoutes(app, deps.quiz);
  if (deps.sources) registerSourceRoutes(app, deps.sources);
  registerOpsRoutes(app, { database: deps.database, registry: deps.registry });
  deps.pages?.(app);

  for (const [path, allow] of API_PATHS) {
    app.all(path, () => {
      throw methodNotAllowed(allow.includes('GET') ? [...allow, 'HEAD'] : allow);
    });
  }
  app.notFound(notFoundHandler);
  app.onError(createErrorHandler(mapDomainError));
  return Object.assign(app, { hub, authEnabled: auth.enabled });
}
