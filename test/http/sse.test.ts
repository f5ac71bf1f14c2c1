import { EventSource } from 'eventsource';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SseEventDataSchema } from '../../schemas/api.js';
import { createEngine, type Engine } from '../../src/engine/index.js';
import type { EventFeed } from '../../src/http/deps.js';
import { startServer, type RunningServer } from '../../src/http/server.js';
import { createLogger } from '../../src/log.js';
import { useTestDatabase } from '../helpers/db.js';
import { ADMIN_KEY, bearer, buildApp, unreachableQuiz, type Built } from './harness.js';
import { SseReader, type Frame } from './sse-reader.js';

const db = useTestDatabase();
const logger = createLogger({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
let engine: Engine;
let built: Built;
let server: RunningServer;
/** Reads of the live edge (no group filter, no replay) the hub made: the fan-out's cost. */
const reads: Array<{ afterId: number; groupId?: string | undefined }> = [];

const until = async (cond: () => boolean, ms = 5000) => {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
};
const enqueue = async (groupId: string, n = 1) => {
  const ids: number[] = [];
  for (let i = 0; i < n; i++) ids.push((await engine.enqueue({ queue: 'sse-test', payload: { i }, groupId })).job.id);
  return ids;
};
const eventIds = async (groupId: string) => (await engine.events.readAfter(0, { groupId, limit: 5000 })).map((e) => e.id);
const ids = (frames: Frame[]) => frames.map((f) => Number(f.id));

beforeAll(async () => {
  engine = createEngine({ database: db().database });
  const feed: EventFeed = {
    readAfter: (afterId, opts) => {
      reads.push({ afterId, groupId: opts?.groupId });
      return engine.events.readAfter(afterId, opts);
    },
    subscribe: (onWake) => engine.events.subscribe(onWake),
    latestId: () => engine.events.latestId(),
  };
  built = buildApp({
    database: db().database,
    quiz: unreachableQuiz(),
    events: feed,
    logger,
    sse: { keepAliveMs: 150, pollMs: 60_000, retryMs: 100 },
  });
  server = await startServer({ app: built.app, logger, host: '127.0.0.1', port: 0 });
});

afterAll(async () => {
  await server?.close();
  await engine?.close();
});

// The journal here holds engine jobs of made-up groups (no batch rows): only the all-seeing scope (an
// admin key of `default`) gets those; tenant filtering has its own tests (test/http/tenants-sse.test.ts).
const open = (query = '', headers: Record<string, string> = {}) => SseReader.open(`${server.url}/v1/events${query}`, { ...bearer(ADMIN_KEY), ...headers });

describe('GET /v1/events over a real server', () => {
  it('streams live events with id, name and data, with proxy-safe headers', async () => {
    const reader = await open();
    try {
      expect(reader.response.status).toBe(200);
      expect(reader.response.headers.get('content-type')).toMatch(/^text\/event-stream/);
      expect(reader.response.headers.get('x-accel-buffering')).toBe('no');
      expect(reader.response.headers.get('cache-control')).toBe('no-cache');
      await reader.waitFor((f) => f.some((x) => x.comments.includes('connected')));
      expect(reader.frames[0]?.retry).toBe('100');
      const jobs = await enqueue('g-live', 3);
      await reader.waitFor(() => reader.events().length >= 3);
      const events = reader.events();
      expect(events.map((e) => e.event)).toEqual(['job.enqueued', 'job.enqueued', 'job.enqueued']);
      expect(ids(events)).toEqual(await eventIds('g-live'));
      const data = events.map((e) => SseEventDataSchema.parse(JSON.parse(e.data!)));
      expect(data.map((d) => d.jobId)).toEqual(jobs);
      expect(data.every((d) => d.batchId === 'g-live' && d.state === 'ready')).toBe(true);
    } finally {
      reader.close();
    }
  });

  it('sends a keep-alive comment at the configured interval', async () => {
    const reader = await open();
    try {
      await reader.waitFor((f) => f.some((x) => x.comments.includes('keep-alive')), 2000);
    } finally {
      reader.close();
    }
  });

  it('replays exactly what came after Last-Event-ID (header or query), then continues live', async () => {
    await enqueue('g-replay', 4);
    const all = await eventIds('g-replay');
    const lastSeen = all[1]!;
    const missed = (await engine.events.readAfter(lastSeen, { limit: 5000 })).map((e) => e.id);
    const viaHeader = await open('', { 'last-event-id': String(lastSeen) });
    const viaQuery = await open(`?lastEventId=${lastSeen}`);
    try {
      for (const reader of [viaHeader, viaQuery]) {
        await reader.waitFor(() => reader.events().length >= missed.length);
        expect(ids(reader.events())).toEqual(missed);
      }
      const [live] = await enqueue('g-replay');
      const liveEvent = (await eventIds('g-replay')).at(-1)!;
      for (const reader of [viaHeader, viaQuery]) {
        await reader.waitFor(() => reader.events().some((e) => Number(e.id) === liveEvent));
        expect(ids(reader.events())).toEqual([...missed, liveEvent]);
        expect(JSON.parse(reader.events().at(-1)!.data!).jobId).toBe(live);
      }
    } finally {
      viaHeader.close();
      viaQuery.close();
    }
  });

  it('a Last-Event-ID beyond the end of the journal resumes from the end instead of filtering everything', async () => {
    const reader = await open('', { 'last-event-id': '999999999999' });
    try {
      await reader.waitFor((f) => f.some((x) => x.comments.includes('connected')));
      await until(() => built.app.hub.size >= 1);
      await enqueue('g-future');
      const target = (await eventIds('g-future')).at(-1)!;
      await reader.waitFor(() => reader.events().some((e) => Number(e.id) === target));
    } finally {
      reader.close();
    }
  });

  it('an EventSource client forced to reconnect gets exactly the missed events, no duplicates', async () => {
    const received: number[] = [];
    let opens = 0;
    const es = new EventSource(`${server.url}/v1/events`, {
      fetch: (input, init) => fetch(input, { ...init, headers: { ...init?.headers, ...bearer(ADMIN_KEY) } }),
    });
    es.addEventListener('open', () => opens++);
    es.addEventListener('job.enqueued', (ev) => {
      // eventsource 4 may dispatch already-buffered events after close(): ignore them.
      if (es.readyState === es.CLOSED) return;
      if (JSON.parse(ev.data).batchId === 'g-es') received.push(Number(ev.lastEventId));
    });
    try {
      await until(() => opens === 1);
      await until(() => built.app.hub.size >= 1);
      await enqueue('g-es', 2);
      await until(() => received.length === 2);
      // Force a reconnect: cut every connection the server holds, then write while the client is away.
      server.server.closeAllConnections();
      await enqueue('g-es', 3);
      await until(() => opens === 2);
      await enqueue('g-es', 1);
      await until(() => received.length >= 6);
      await new Promise((r) => setTimeout(r, 200));
      expect(received).toEqual(await eventIds('g-es'));
    } finally {
      es.close();
    }
  });

  it('frees disconnected clients at once', async () => {
    // Every client of the earlier tests has gone away by now.
    await until(() => built.app.hub.size === 0, 2000).catch(() => {
      throw new Error(`hub still holds ${built.app.hub.size} clients`);
    });
    const readers = await Promise.all([open(), open(), open()]);
    await until(() => built.app.hub.size === 3);
    for (const r of readers) r.close();
    await until(() => built.app.hub.size === 0, 2000);
  });

  it('reads new events once per wake-up, not once per client', async () => {
    const readers = await Promise.all([open(), open(), open(), open(), open()]);
    try {
      await until(() => built.app.hub.size >= 5);
      reads.length = 0;
      await enqueue('g-fan');
      const target = (await eventIds('g-fan')).at(-1)!;
      await Promise.all(readers.map((r) => r.waitFor(() => r.events().some((e) => Number(e.id) === target))));
      const liveReads = reads.filter((r) => r.groupId === undefined);
      expect(liveReads.length).toBeGreaterThanOrEqual(1);
      expect(liveReads.length).toBeLessThanOrEqual(2);
    } finally {
      for (const r of readers) r.close();
    }
  });

  it('refuses unauthenticated streams with 401', async () => {
    const res = await fetch(`${server.url}/v1/events`);
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toMatch(/^Bearer/);
  });
});

describe('startServer', () => {
  it('refuses a non-loopback bind without keys, and says how to fix it', async () => {
    const open = buildApp({ database: db().database, quiz: unreachableQuiz(), events: engine.events, auth: { apiKeys: [], adminKeys: [] } });
    await expect(startServer({ app: open.app, logger, host: '0.0.0.0', port: 0 })).rejects.toThrow(/QUIZFORGE_API_KEYS/);
  });

  it('listens on loopback without keys; close() ends open streams and returns promptly', async () => {
    const open = buildApp({ database: db().database, quiz: unreachableQuiz(), events: engine.events, auth: { apiKeys: [], adminKeys: [] } });
    const running = await startServer({ app: open.app, logger, host: '127.0.0.1', port: 0 });
    expect((await fetch(`${running.url}/healthz`)).status).toBe(200);
    const reader = await SseReader.open(`${running.url}/v1/events`, {});
    await reader.waitFor((f) => f.length > 0);
    const started = Date.now();
    await running.close();
    expect(Date.now() - started).toBeLessThan(1000);
    expect(open.app.hub.size).toBe(0);
  });
});
