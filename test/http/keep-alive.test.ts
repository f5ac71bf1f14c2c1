import type { Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../../src/http/server.js';
import { createLogger } from '../../src/log.js';
import { useTestDatabase } from '../helpers/db.js';
import { API_KEY, bearer, buildApp, errorOf, unreachableFeed, unreachableQuiz } from './harness.js';

const db = useTestDatabase();
const logger = createLogger({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
const LIMIT = 64 * 1024;
let server: RunningServer;
const sockets = new Set<Socket>();

beforeAll(async () => {
  const built = buildApp({ database: db().database, quiz: unreachableQuiz(), events: unreachableFeed() });
  server = await startServer({ app: built.app, logger, host: '127.0.0.1', port: 0 });
  server.server.on('connection', (s: Socket) => sockets.add(s));
});

afterAll(async () => {
  await server?.close();
});

const post = (body: BodyInit, headers: Record<string, string> = {}) =>
  fetch(`${server.url}/v1/batches`, { method: 'POST', headers: { ...bearer(API_KEY), 'content-type': 'application/json', ...headers }, body, duplex: 'half' } as RequestInit);

function streamed(chunks: number, size: number): ReadableStream<Uint8Array> {
  let sent = 0;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      if (sent++ >= chunks) controller.close();
      else controller.enqueue(new TextEncoder().encode('x'.repeat(size)));
    },
  });
}

/**
 * Node's own fetch (undici) pools keep-alive connections: a request that follows a refused one
 * goes out on the same socket unless the server said `Connection: close`. Before the fix about one
 * in three such follow-ups failed with `UND_ERR_SOCKET`.
 */
describe('keep-alive connections after an early refusal', () => {
  const oversized: Array<[string, () => Promise<Response>]> = [
    ['just over the limit', () => post('x'.repeat(LIMIT + 1))],
    ['256 KiB with Content-Length', () => post('x'.repeat(256 * 1024))],
    ['4 MiB with Content-Length', () => post('x'.repeat(4 * 1024 * 1024))],
    ['chunked, 512 KiB', () => post(streamed(64, 8 * 1024))],
  ];

  for (const [name, send] of oversized) {
    it(`413 (${name}) then normal requests on the pool never fail`, async () => {
      for (let round = 0; round < 12; round++) {
        const refused = await send();
        expect(refused.status).toBe(413);
        expect((await errorOf(refused)).code).toBe('payload_too_large');
        expect(refused.headers.get('connection')).toBe('close');
        for (let i = 0; i < 3; i++) {
          const ok = await fetch(`${server.url}/healthz`);
          expect(ok.status).toBe(200);
          await ok.arrayBuffer();
        }
      }
    });
  }

  it('other early refusals with an unread body (401, 404, 405) leave the pool usable too', async () => {
    const body = 'x'.repeat(LIMIT - 100);
    for (let round = 0; round < 10; round++) {
      const unauth = await fetch(`${server.url}/v1/batches`, { method: 'POST', body });
      expect(unauth.status).toBe(401);
      await unauth.arrayBuffer();
      const missing = await fetch(`${server.url}/nowhere`, { method: 'POST', headers: bearer(API_KEY), body });
      expect(missing.status).toBe(404);
      await missing.arrayBuffer();
      const wrong = await fetch(`${server.url}/healthz`, { method: 'PUT', body });
      expect(wrong.status).toBe(405);
      await wrong.arrayBuffer();
      const ok = await fetch(`${server.url}/healthz`);
      expect(ok.status).toBe(200);
      await ok.arrayBuffer();
    }
  });

  it('says close only when the body was left unread: a refusal after reading the body keeps its connection', async () => {
    const before = sockets.size;
    for (let i = 0; i < 10; i++) {
      const small = await post('{"topic": 5}');
      expect(small.status).toBe(422);
      expect(small.headers.get('connection')).toBe('keep-alive');
      await small.arrayBuffer();
      const ok = await fetch(`${server.url}/healthz`);
      expect(ok.status).toBe(200);
      await ok.arrayBuffer();
    }
    expect(sockets.size - before).toBeLessThanOrEqual(1);
    const refused = await post('x'.repeat(LIMIT * 4));
    expect(refused.headers.get('connection')).toBe('close');
    await refused.arrayBuffer();
  });
});
