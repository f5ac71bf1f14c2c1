import { describe, expect, it } from 'vitest';
import { ErrorEnvelopeSchema } from '../../schemas/api.js';
import { useTestDatabase } from '../helpers/db.js';
import { API_KEY, ADMIN_KEY, bearer, buildApp, errorOf, json, unreachableFeed, unreachableQuiz } from './harness.js';

const db = useTestDatabase();
const auth = bearer(API_KEY);
const build = (bodyLimitBytes?: number) =>
  buildApp({
    database: db().database,
    quiz: unreachableQuiz(),
    events: unreachableFeed(),
    ...(bodyLimitBytes === undefined ? {} : { bodyLimitBytes }),
  });

/** Every refusal here happens before the quiz service is asked (it would answer 500 if reached). */
describe('one error envelope for every refusal', () => {
  it('malformed JSON is 400 bad_request', async () => {
    const { request } = build();
    for (const body of ['{bad', '{"topic": "x",}', '\u0000\u00ff\u0001', 'undefined', '']) {
      const res = await request('/v1/batches', json(body, auth));
      expect(res.status, body).toBe(400);
      const parsed = ErrorEnvelopeSchema.parse(await res.json());
      expect(parsed.error.code).toBe('bad_request');
    }
  });

  it('schema violations are 422 validation_failed naming each field', async () => {
    const { request } = build();
    const res = await request('/v1/batches', json({ topic: 42, count: 'ten', cout: 3, difficulty: 'insane' }, auth));
    expect(res.status).toBe(422);
    const error = await errorOf(res);
    expect(error.code).toBe('validation_failed');
    const paths = (error.issues ?? []).map((i) => i.path).sort();
    expect(paths).toEqual(['count', 'cout', 'difficulty', 'topic']);
    expect(error.issues?.find((i) => i.path === 'cout')?.message).toBe('unknown field');
  });

  it('an unknown priority is 422 naming `priority`', async () => {
    const { request } = build();
    for (const priority of ['cheap', 'ECONOMY', 1, null]) {
      const res = await request('/v1/batches', json({ topic: 'Tides', count: 2, priority }, auth));
      expect(res.status, String(priority)).toBe(422);
      expect((await errorOf(res)).issues?.map((i) => i.path)).toEqual(['priority']);
    }
  });

  it('a JSON body that is not an object is 422, not 500', async () => {
    const { request } = build();
    for (const body of ['[]', 'null', '42', '"text"', 'true']) {
      const res = await request('/v1/batches', json(body, auth));
      expect(res.status, body).toBe(422);
    }
  });

  it('bad query parameters and headers are 422 naming them', async () => {
    const { request } = build();
    for (const q of ['limit=0', 'limit=101', 'limit=abc', 'limit=1.5', `cursor=${'x'.repeat(201)}`]) {
      for (const path of ['/v1/batches', '/v1/dlq']) {
        const res = await request(`${path}?${q}`, { headers: auth });
        expect(res.status, `${path}?${q}`).toBe(422);
        expect((await errorOf(res)).issues?.[0]?.path).toBe(q.split('=')[0]);
      }
    }
    const key = await request('/v1/batches', json({ topic: 't', count: 1 }, { ...auth, 'idempotency-key': 'has space' }));
    expect(key.status).toBe(422);
    expect((await errorOf(key)).issues?.[0]?.path).toBe('Idempotency-Key');
    const lastId = await request('/v1/events', { headers: { ...auth, 'last-event-id': 'abc' } });
    expect(lastId.status).toBe(422);
    expect((await errorOf(lastId)).issues?.[0]?.path).toBe('Last-Event-ID');
    const replay = await request('/v1/dlq/1/replay', json({ maxAttempts: 0, extra: 1 }, bearer(ADMIN_KEY)));
    expect(replay.status).toBe(422);
    expect((await errorOf(replay)).issues?.map((i) => i.path).sort()).toEqual(['extra', 'maxAttempts']);
  });

  it('ids that cannot exist are 404 without asking the service', async () => {
    const { request } = build();
    for (const path of ['/v1/dlq/abc', '/v1/dlq/0', '/v1/dlq/-1', '/v1/dlq/1e3', '/v1/dlq/99999999999999999999', '/v1/batches/a%20b', '/v1/batches/%F0%9F%92%A9']) {
      const res = await request(path, { headers: auth });
      expect(res.status, path).toBe(404);
      expect((await errorOf(res)).code).toBe('not_found');
    }
    const replay = await request('/v1/dlq/abc/replay', { method: 'POST', headers: bearer(ADMIN_KEY) });
    expect(replay.status).toBe(404);
  });

  it('unknown routes are 404 and known paths with a wrong method are 405 with Allow', async () => {
    const { request } = build();
    const unknown = await request('/v1/nothing', { headers: auth });
    expect(unknown.status).toBe(404);
    expect((await errorOf(unknown)).code).toBe('not_found');
    expect((await request('/nothing')).status).toBe(404);
    const wrong = await request('/v1/batches', { method: 'DELETE', headers: auth });
    expect(wrong.status).toBe(405);
    expect(wrong.headers.get('allow')).toBe('GET, POST, HEAD');
    expect((await errorOf(wrong)).code).toBe('method_not_allowed');
    expect((await request('/v1/dlq/1/replay', { headers: auth })).status).toBe(405);
    expect((await request('/healthz', { method: 'POST' })).status).toBe(405);
  });

  it('bodies over the limit are 413, with or without Content-Length', async () => {
    const { request } = build(1024);
    const big = JSON.stringify({ topic: 'x'.repeat(2000), count: 1 });
    const res = await request('/v1/batches', json(big, auth));
    expect(res.status).toBe(413);
    expect((await errorOf(res)).code).toBe('payload_too_large');
    const chunks = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < 10; i++) controller.enqueue(new TextEncoder().encode('x'.repeat(200)));
        controller.close();
      },
    });
    const streamed = await request('/v1/batches', { method: 'POST', headers: auth, body: chunks, duplex: 'half' } as RequestInit);
    expect(streamed.status).toBe(413);
  });

  it('the default limit is 64 KiB', async () => {
    const { request } = build();
    const res = await request('/v1/batches', json('x'.repeat(64 * 1024 + 1), auth));
    expect(res.status).toBe(413);
  });

  it('a genuine fault is a generic 500 with the request id and no details', async () => {
    const { request } = build();
    const res = await request('/v1/batches/some-id', { headers: { ...auth, 'x-request-id': 'req-123' } });
    expect(res.status).toBe(500);
    expect(res.headers.get('x-request-id')).toBe('req-123');
    const error = await errorOf(res);
    expect(error).toEqual({ code: 'internal', message: 'internal error (request id req-123)' });
  });

  it('every response carries a request id and the security headers', async () => {
    const { request } = build();
    const res = await request('/healthz');
    expect(res.headers.get('x-request-id')).toMatch(/^[\w-]+$/);
    expect(res.headers.get('content-security-policy')).toMatch(/default-src 'self'/);
    expect(res.headers.get('content-security-policy')).not.toMatch(/unsafe-inline/);
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
  });
});
