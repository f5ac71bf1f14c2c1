import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngine, type Engine } from '../../src/engine/index.js';
import { startServer, type RunningServer } from '../../src/http/server.js';
import { createLogger } from '../../src/log.js';
import { useTestDatabase } from '../helpers/db.js';
import { ADMIN_KEY, bearer, buildApp, unreachableQuiz, type Built } from './harness.js';
import { SseReader } from './sse-reader.js';

/**
 * A client that stops reading must not hold memory or delay anyone: the server cuts it off once
 * its unread bytes pass `maxBufferedBytes`, while a reading client gets every event.
 */

const db = useTestDatabase();
const logger = createLogger({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
const MAX_BUFFERED = 64 * 1024;
let engine: Engine;
let built: Built;
let server: RunningServer;

beforeAll(async () => {
  engine = createEngine({ database: db().database });
  built = buildApp({
    database: db().database,
    quiz: unreachableQuiz(),
    events: engine.events,
    logger,
    sse: { keepAliveMs: 60_000, pollMs: 60_000, retryMs: 100, maxBufferedBytes: MAX_BUFFERED },
  });
  server = await startServer({ app: built.app, logger, host: '127.0.0.1', port: 0 });
});

afterAll(async () => {
  await server?.close();
  await engine?.close();
});

const until = async (cond: () => boolean, ms: number, what: () => string) => {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out: ${what()}`);
    await new Promise((r) => setTimeout(r, 20));
  }
};

/** A raw HTTP client that sends the request and then never reads a byte. */
function stalledClient(): Promise<{ socket: Socket; closed: () => boolean }> {
  const { port } = new URL(server.url);
  return new Promise((resolve, reject) => {
    let closed = false;
    const socket = connect(Number(port), '127.0.0.1', () => {
      socket.write(`GET /v1/events HTTP/1.1\r\nHost: x\r\nAccept: text/event-stream\r\nAuthorization: Bearer ${ADMIN_KEY}\r\n\r\n`);
      socket.pause();
      resolve({ socket, closed: () => closed });
    });
    socket.on('close', () => (closed = true));
    socket.on('error', () => (closed = true));
    socket.once('error', reject);
  });
}

describe('a client that stops reading', () => {
  it('is disconnected once it leaves too much unread, while a reading client gets everything', async () => {
    const slow = await stalledClient();
    const reader = await SseReader.open(`${server.url}/v1/events`, bearer(ADMIN_KEY));
    try {
      await until(() => built.app.hub.size === 2, 5000, () => `hub has ${built.app.hub.size}`);
      // About 20k events of ~300 bytes: far more than the socket buffers plus 64 KiB.
      const rounds = 20;
      for (let r = 0; r < rounds; r++) {
        await engine.enqueueMany(Array.from({ length: 1000 }, (_, i) => ({ queue: 'sse-slow', payload: { r, i }, groupId: `g-${r}` })));
      }
      const last = await engine.events.latestId();
      await reader.waitFor(() => reader.events().some((e) => Number(e.id) === last), 30_000);
      const got = reader.events().map((e) => Number(e.id));
      expect(new Set(got).size).toBe(got.length);
      expect(got.length).toBeGreaterThanOrEqual(rounds * 1000);
      // The stalled client was let go: the hub no longer holds it, though it never read or closed.
      await until(() => built.app.hub.size === 1, 10_000, () => `hub still has ${built.app.hub.size}`);
      slow.socket.resume();
      await until(slow.closed, 5000, () => 'stalled socket still open');
    } finally {
      reader.close();
      slow.socket.destroy();
    }
  }, 60_000);
});
