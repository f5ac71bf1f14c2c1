import type { Hono } from 'hono';
import { IdempotencyKeySchema, ListQuerySchema } from '../../../schemas/api.js';
import { BatchRequestSchema } from '../../../schemas/batch-request.js';
import type { AppEnv } from '../env.js';
import { notFound } from '../errors.js';
import type { EventFeed, QuizApi } from '../deps.js';
import type { EventHub } from '../sse-hub.js';
import { serveEvents } from '../sse.js';
import { batchIdParam, readHeader, readJson, readQuery } from '../validate.js';

export interface BatchRouteDeps {
  quiz: QuizApi;
  feed: EventFeed;
  hub: EventHub;
  keepAliveMs: number;
  retryMs: number;
  maxBufferedBytes?: number;
}

/** Batches: submit (idempotent by header), read, list, and the per-batch event stream. */
function streamOptions(deps: BatchRouteDeps) {
  return {
    keepAliveMs: deps.keepAliveMs,
    retryMs: deps.retryMs,
    ...(deps.maxBufferedBytes === undefined ? {} : { maxBufferedBytes: deps.maxBufferedBytes }),
  };
}

export function registerBatchRoutes(app: Hono<AppEnv>, deps: BatchRouteDeps): void {
  const { quiz } = deps;

  app.post('/v1/batches', async (c) => {
    const idempotencyKey = readHeader(c, 'Idempotency-Key', IdempotencyKeySchema);
    const request = await readJson(c, BatchRequestSchema);
    const { created, batch } = await quiz.submit(request, idempotencyKey === undefined ? {} : { idempotencyKey });
    c.header('Location', `/v1/batches/${encodeURIComponent(batch.id)}`);
    // 202: accepted, the work runs asynchronously. 200: an idempotent repeat, nothing created.
    return c.json(batch, created ? 202 : 200);
  });

  app.get('/v1/batches', async (c) => {
    const { cursor, limit } = readQuery(c, ListQuerySchema);
    return c.json(await quiz.list(cursor === undefined ? { limit } : { cursor, limit }));
  });

  app.get('/v1/batches/:id', async (c) => {
    const batch = await quiz.get(batchIdParam(c));
    if (!batch) throw notFound('batch');
    return c.json(batch);
  });

  app.get('/v1/batches/:id/events', async (c) => {
    const id = batchIdParam(c);
    if (!(await quiz.get(id))) throw notFound('batch');
    return serveEvents(c, { feed: deps.feed, hub: deps.hub, groupId: id, ...streamOptions(deps) });
  });

  app.get('/v1/events', (c) =>
    serveEvents(c, { feed: deps.feed, hub: deps.hub, groupId: null, ...streamOptions(deps) }),
  );
}
