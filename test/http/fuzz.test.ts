import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useTestDatabase } from '../helpers/db.js';
import { ADMIN_KEY, API_KEY, buildApp, startQuizStack, type Built, type QuizStack } from './harness.js';

const db = useTestDatabase();
let stack: QuizStack;
let api: Built;
let batchId = 'none';

beforeAll(async () => {
  // No worker: submitted batches stay queued, so the fuzzer exercises the HTTP surface only.
  stack = await startQuizStack(db().database, { worker: false });
  api = buildApp({ database: db().database, quiz: stack.service, events: stack.engine.events, bodyLimitBytes: 16 * 1024 });
  const res = await api.request('/v1/batches', {
    method: 'POST',
    headers: { authorization: `Bearer ${API_KEY}` },
    body: JSON.stringify({ topic: 'Fuzzing', count: 1 }),
  });
  batchId = ((await res.json()) as { id: string }).id;
});
afterAll(async () => {
  await api?.app.hub.close();
  await stack?.stop();
});

const ROUTES = [
  '/v1/batches',
  '/v1/batches/:bid',
  '/v1/batches/:bid/events',
  '/v1/batches/:bid/export',
  '/v1/events',
  '/v1/dlq',
  '/v1/dlq/:jid',
  '/v1/dlq/:jid/replay',
  '/v1/dlq/:jid/discard',
  '/healthz',
  '/readyz',
  '/metrics',
  '/openapi.json',
];

/** Printable Latin-1 (what a header value may carry on the wire), including hostile punctuation. */
const headerValue = fc.oneof(
  fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), maxLength: 300 }),
  fc.string({ unit: fc.integer({ min: 0xa0, max: 0xff }).map((c) => String.fromCharCode(c)), maxLength: 50 }),
  fc.constantFrom('', ' ', '"', "'; DROP TABLE jobs; --", '../../etc/passwd', '\\u0000', 'x'.repeat(8000), '-1', '1e309', 'NaN'),
);
const id = fc.oneof(
  fc.constantFrom('1', '0', '-1', '9007199254740993', '99999999999999999999', '1.5', '0x10', 'null', '%00', '%ZZ', '..', '%2F', '%F0%9F%92%A9'),
  fc.integer({ min: 1, max: 10_000 }).map(String),
  fc.string({ maxLength: 40 }).map(encodeURIComponent),
);
const query = fc.array(
  fc.tuple(fc.constantFrom('limit', 'cursor', 'lastEventId', 'format', 'x', ''), fc.oneof(headerValue, id)),
  { maxLength: 3 },
).map((pairs) => (pairs.length ? `?${pairs.map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join('&')}` : ''));
const path = fc.oneof(
  { weight: 2, arbitrary: fc.tuple(fc.constantFrom(...ROUTES), query).map(([r, q]) => r.replace(':bid', batchId).replace(':jid', '1') + q) },
  fc.tuple(fc.constantFrom(...ROUTES), id, id, query).map(([r, bid, jid, q]) => r.replace(':bid', bid).replace(':jid', jid) + q),
  fc.array(fc.oneof(id, fc.constantFrom('v1', 'batches', 'dlq', 'events', '', '.')), { maxLength: 6 }).map((s) => `/${s.join('/')}`),
);
const body = fc.oneof(
  fc.constant(undefined),
  {
    weight: 3,
    arbitrary: fc
      .record({ topic: fc.string({ minLength: 1, maxLength: 60 }).filter((t) => t.trim() !== ''), count: fc.integer({ min: 1, max: 50 }) })
      .map((v) => JSON.stringify(v)),
  },
  fc.jsonValue().map((v) => JSON.stringify(v)),
  fc.record(
    {
      topic: fc.oneof(fc.string(), fc.integer(), fc.constant(null)),
      count: fc.oneof(fc.integer(), fc.double(), fc.string(), fc.constant(1)),
      difficulty: fc.oneof(fc.constantFrom('easy', 'medium', 'hard'), fc.string()),
      options: fc.oneof(fc.integer({ min: -5, max: 10 }), fc.string()),
      maxAttempts: fc.oneof(fc.integer({ min: -5, max: 50 }), fc.string()),
      language: fc.string(),
      extra: fc.anything(),
    },
    { requiredKeys: [] },
  ).map((v) => JSON.stringify(v)),
  fc.string({ maxLength: 200 }),
  fc.uint8Array({ maxLength: 500 }),
  fc.constantFrom('{', '{"topic":', '[', '"\\ud800"', '{"topic":"x","count":1}', '\u0000\u0001', 'x'.repeat(20_000), `{"topic":"${'a'.repeat(17_000)}"}`),
);
const rarely = <T>(arb: fc.Arbitrary<T>) => fc.oneof({ weight: 8, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: arb });
const headers = fc.record({
  // Mostly valid keys, so most requests get past auth and reach validation and the service.
  authorization: fc.oneof(
    { weight: 6, arbitrary: fc.constantFrom(`Bearer ${API_KEY}`, `Bearer ${ADMIN_KEY}`) },
    { weight: 1, arbitrary: fc.constantFrom('Bearer', 'Basic Zm9v', '') },
    { weight: 1, arbitrary: headerValue.map((v) => `Bearer ${v}`) },
  ),
  'content-length': rarely(fc.constantFrom('0', '5', '999999999')),
  optional: fc.record(
    {
      'content-type': fc.oneof(fc.constantFrom('application/json', 'text/plain', 'multipart/form-data; boundary=x', 'application/x-www-form-urlencoded'), headerValue),
    'idempotency-key': headerValue,
    'last-event-id': headerValue,
    'x-request-id': headerValue,
    cookie: headerValue.map((v) => `qf_session=${v}`),
      origin: headerValue,
    },
    { requiredKeys: [] },
  ),
}).map(({ optional, ...rest }) => {
  const out: Record<string, string> = { ...optional };
  for (const [k, v] of Object.entries(rest)) if (v !== undefined) out[k] = v;
  return out;
});
const statuses = new Map<number, number>();
const method = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom('GET', 'POST') },
  { weight: 1, arbitrary: fc.constantFrom('PUT', 'DELETE', 'PATCH', 'HEAD', 'OPTIONS', 'PROPFIND', 'QUIZ') },
);

/**
 * Half the requests are anything at all; the other half aim at the write endpoints with a valid
 * key, so bodies get past auth and reach parsing, validation and the service.
 */
const shape = fc.oneof(
  fc.tuple(method, path, headers, body),
  fc.tuple(
    fc.constant('POST'),
    fc.constantFrom('/v1/batches', '/v1/dlq/1/replay', '/v1/dlq/1/discard'),
    fc.record({
      authorization: fc.constantFrom(`Bearer ${API_KEY}`, `Bearer ${ADMIN_KEY}`),
      'idempotency-key': rarely(headerValue),
      'content-type': rarely(headerValue),
    }).map((h) => Object.fromEntries(Object.entries(h).filter((e): e is [string, string] => e[1] !== undefined))),
    body,
  ),
);

function build(m: string, p: string, h: Record<string, string>, b: string | Uint8Array | undefined): Request | null {
  try {
    const init: RequestInit = { method: m, headers: h };
    if (b !== undefined && m !== 'GET' && m !== 'HEAD') init.body = typeof b === 'string' ? b : new Blob([new Uint8Array(b)]);
    return new Request(`http://localhost${p}`, init);
  } catch {
    return null; // not a request a client could send (e.g. invalid header bytes)
  }
}

describe('no input yields a 5xx', () => {
  it('random methods, paths, bodies and headers on every route', async () => {
    await fc.assert(
      fc.asyncProperty(shape, async ([m, p, h, b]) => {
        const req = build(m, p, h, b);
        fc.pre(req !== null);
        const res = await api.app.request(req!);
        const type = res.headers.get('content-type') ?? '';
        if (type.startsWith('text/event-stream')) {
          await res.body?.cancel();
        } else {
          const text = await res.text();
          expect(text).not.toMatch(/\n\s+at .*\(.*:\d+:\d+\)/); // no stack traces
          if (res.status >= 400 && m !== 'HEAD') expect(JSON.parse(text)).toHaveProperty('error.code');
        }
        expect(res.status, `${m} ${p}`).toBeLessThan(500);
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
      }),
      { numRuns: 500 },
    );
  }, 120_000);

  it('reached every kind of answer (the generators are not stuck at the door)', () => {
    for (const status of [200, 202, 400, 401, 404, 405, 413, 422]) expect(statuses.get(status) ?? 0, `status ${status}`).toBeGreaterThan(0);
  });

  it('streams opened by the fuzzer were all freed', async () => {
    const deadline = Date.now() + 3000;
    while (api.app.hub.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(api.app.hub.size).toBe(0);
  });
});
