import { trace } from '@opentelemetry/api';
import { ownerFilter } from '../../accounts/index.js';
import type { Hono } from 'hono';
import { IdempotencyKeySchema, ListQuerySchema } from '../../../schemas/api.js';
import { BatchRequestSchema } from '../../../schemas/batch-request.js';
import { requestScope } from '../auth.js';
import type { AppEnv } from '../env.js';
import { notFound } from '../errors.js';
import { jsonWithEtag } from '../etag.js';
import type { EventFeed, QuizApi } from '../deps.js';
import type { EventHub } from '../sse-hub.js';
import type { GroupOwners } from '../sse-owners.js';
import { serveEvents } from '../sse.js';
import { QF_ATTR } from '../../telemetry/spans.js';
import { tracedRoute } from '../trace.js';
import { batchIdParam, readHeader, readJson, readQuery } from '../validate.js';

export interface BatchRouteDeps {
  quiz: QuizApi;
  feed: EventFeed;
  hub: EventHub;
  owners: GroupOwners;
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

  app.post('/v1/batches', (c) =>
    tracedRoute(c, '/v1/batches', async () => {
      const idempotencyKey = readHeader(c, 'Idempotency-Key', IdempotencyKeySchema);
      const request = await readJson(c, BatchRequestSchema);
      const { created, batch } = await quiz.submit(request, idempotencyKey === undefined ? {} : { idempotencyKey }, requestScope(c));
      trace.getActiveSpan()?.setAttributes({ [QF_ATTR.batchId]: batch.id, 'quizforge.batch.created': created, 'quizforge.batch.count': request.count });
      c.header('Location', `/v1/batches/${encodeURIComponent(batch.id)}`);
      // 202: accepted, the work runs asynchronously. 200: an idempotent repeat, nothing created.
      return c.json(batch, created ? 202 : 200);
    }),
  );

  // The caller's tenant: tokens, cost, budget, spent and reserved in the current budget period.
  app.get('/v1/usage', async (c) => {
    c.header('Cache-Control', 'no-store');
    return c.json(await quiz.usage(requestScope(c).tenant));
  });

  app.get('/v1/batches', async (c) => {
    const { cursor, limit } = readQuery(c, ListQuerySchema);
    // Pollers send If-None-Match and get an empty 304 while nothing changed: the tag is a digest
    // of the body, so it changes exactly when the answer does (status, jobs, usage, updatedAt).
    return jsonWithEtag(c, await quiz.list(cursor === undefined ? { limit } : { cursor, limit }, requestScope(c)));
  });

  app.get('/v1/batches/:id', async (c) => {
    const batch = await quiz.get(batchIdParam(c), requestScope(c));
    if (!batch) throw notFound('batch');
    return jsonWithEtag(c, batch);
  });

  // Any API key of the owning tenant may cancel (and admin keys of `default`); another tenant's
  // batch is 404. A repeat answers the same cancelled view; a batch that already succeeded is 409.
  app.post('/v1/batches/:id/cancel', async (c) => {
    const batch = await quiz.cancel(batchIdParam(c), requestScope(c));
    if (!batch) throw notFound('batch');
    return c.json(batch);
  });

  // Same auth as reading the batch. Refused (409) while a job is waiting, ready or running: cancel
  // first. Sources are separate documents and stay.
  app.delete('/v1/batches/:id', async (c) => {
    if (!(await quiz.remove(batchIdParam(c), requestScope(c)))) throw notFound('batch');
    return c.body(null, 204);
  });

  app.get('/v1/batches/:id/events', async (c) => {
    const id = batchIdParam(c);
    if (!(await quiz.get(id, requestScope(c)))) throw notFound('batch');
    return serveEvents(c, { feed: deps.feed, hub: deps.hub, groupId: id, owner: null, ...streamOptions(deps) });
  });

  // A tenant's stream carries only its batches' events; admin keys of `default` see them all.
  app.get('/v1/events', (c) =>
    serveEvents(c, { feed: deps.feed, hub: deps.hub, groupId: null, owner: ownerFilter(requestScope(c)), owners: deps.owners, ...streamOptions(deps) }),
  );
}
