import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BatchViewSchema, SseEventDataSchema } from '../../schemas/api.js';
import { startServer, type RunningServer } from '../../src/http/server.js';
import { createLogger } from '../../src/log.js';
import { useTestDatabase } from '../helpers/db.js';
import { ADMIN_KEY, bearer, buildApp, json, startQuizStack, type Built, type QuizStack } from './harness.js';
import { SseReader, type Frame } from './sse-reader.js';

/** Both event streams over a real server: a tenant never receives an event of another tenant's batch. */
const db = useTestDatabase();
const logger = createLogger({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
let stack: QuizStack;
let api: Built;
let server: RunningServer;

const ACME = bearer('acme-key-0123456789');
const GLOBEX = bearer('globex-key-0123456789');
const ROOT = bearer(ADMIN_KEY);

beforeAll(async () => {
  stack = await startQuizStack(db().database);
  api = buildApp({
    database: db().database,
    quiz: stack.service,
    events: stack.engine.events,
    logger,
    auth: { apiKeys: ['acme:acme-key-0123456789', 'globex:globex-key-0123456789'], adminKeys: [ADMIN_KEY] },
    sse: { keepAliveMs: 1000, pollMs: 100, retryMs: 100 },
  });
  server = await startServer({ app: api.app, logger, host: '127.0.0.1', port: 0 });
});
afterAll(async () => {
  await server?.close();
  await stack?.stop();
});

const submit = async (topic: string, headers: Record<string, string>) => {
  const res = await api.request('/v1/batches', json({ topic, count: 2 }, headers));
  expect(res.status).toBe(202);
  return BatchViewSchema.parse(await res.json()).id;
};
const batchIds = (frames: Frame[]) => new Set(frames.map((f) => SseEventDataSchema.parse(JSON.parse(f.data ?? '{}')).batchId));
const settled = (id: string) => (frames: Frame[]) => frames.some((f) => f.event === 'batch.succeeded' && f.data?.includes(id));
const stream = (path: string, headers: Record<string, string>, lastEventId?: string) =>
  SseReader.open(`${server.url}${path}`, lastEventId === undefined ? headers : { ...headers, 'last-event-id': lastEventId });

describe('tenant-scoped event streams', () => {
  let acmeId: string;
  let globexId: string;

  it("GET /v1/events live: each tenant gets only its batches' events; a default admin key gets both", async () => {
    const acme = await stream('/v1/events', ACME);
    const globex = await stream('/v1/events', GLOBEX);
    const root = await stream('/v1/events', ROOT);
    try {
      for (const r of [acme, globex, root]) await r.waitFor((f) => f.some((x) => x.comments.includes('connected')));
      acmeId = await submit('Acme rockets', ACME);
      globexId = await submit('Globex volcanoes', GLOBEX);
      await acme.waitFor(() => settled(acmeId)(acme.events()), 15_000);
      await globex.waitFor(() => settled(globexId)(globex.events()), 15_000);
      await root.waitFor(() => settled(acmeId)(root.events()) && settled(globexId)(root.events()), 15_000);
      expect(batchIds(acme.events())).toEqual(new Set([acmeId]));
      expect(batchIds(globex.events())).toEqual(new Set([globexId]));
      expect(batchIds(root.events())).toEqual(new Set([acmeId, globexId]));
      // Nothing of the other tenant was skipped over by accident: the tenant's stream is its batch's full journal.
      const journal = await stack.engine.events.readAfter(0, { groupId: acmeId, limit: 1000 });
      expect(acme.events().map((f) => Number(f.id))).toEqual(journal.map((e) => e.id));
    } finally {
      for (const r of [acme, globex, root]) r.close();
    }
  });

  it('GET /v1/events replay from Last-Event-ID 0: still only the tenant\'s events', async () => {
    const replay = await stream('/v1/events', GLOBEX, '0');
    try {
      await replay.waitFor(() => settled(globexId)(replay.events()), 10_000);
      expect(batchIds(replay.events())).toEqual(new Set([globexId]));
    } finally {
      replay.close();
    }
  });

  it("GET /v1/batches/:id/events: another tenant's batch is 404 (no stream), the owner's replays", async () => {
    const foreign = await fetch(`${server.url}/v1/batches/${acmeId}/events`, { headers: GLOBEX });
    expect(foreign.status).toBe(404);
    expect(await foreign.json()).toEqual({ error: { code: 'not_found', message: 'batch not found' } });
    const own = await stream(`/v1/batches/${acmeId}/events`, ACME, '0');
    try {
      await own.waitFor(() => settled(acmeId)(own.events()), 10_000);
      expect(batchIds(own.events())).toEqual(new Set([acmeId]));
    } finally {
      own.close();
    }
  });
});
