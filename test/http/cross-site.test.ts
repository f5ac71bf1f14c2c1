import { describe, expect, it } from 'vitest';
import { useTestDatabase } from '../helpers/db.js';
import { buildApp, errorOf, json, unreachableFeed, unreachableQuiz } from './harness.js';

const db = useTestDatabase();

const openApp = () =>
  buildApp({ database: db().database, quiz: unreachableQuiz(), events: unreachableFeed(), auth: { apiKeys: [], adminKeys: [] } });

const body = { topic: 'Cross-site request forgery', count: 1 };

describe('cross-site writes in open (loopback, no keys) mode', () => {
  it('refuses a browser write from another site before the service is asked', async () => {
    const { request } = openApp();
    const cases: Record<string, string>[] = [
      { 'sec-fetch-site': 'cross-site' },
      { 'sec-fetch-site': 'same-site' },
      { origin: 'http://evil.example', host: '127.0.0.1:3000' },
      { origin: 'null', host: '127.0.0.1:3000' },
    ];
    for (const headers of cases) {
      for (const path of ['/v1/batches', '/v1/dlq/1/replay', '/v1/dlq/1/discard']) {
        const res = await request(path, json(body, headers));
        expect(res.status, `${path} ${JSON.stringify(headers)}`).toBe(403);
        expect((await errorOf(res)).code).toBe('forbidden');
      }
    }
  });

  it('lets same-origin browser writes and non-browser clients through to the service', async () => {
    const { request } = openApp();
    const cases: Record<string, string>[] = [
      {},
      { 'sec-fetch-site': 'same-origin' },
      { origin: 'http://127.0.0.1:3000', host: '127.0.0.1:3000' },
    ];
    for (const headers of cases) {
      const res = await request('/v1/batches', json(body, headers));
      // The unreachable service answers 500: the request got past the guard, which is the point.
      expect(res.status, JSON.stringify(headers)).toBe(500);
    }
  });

  it('does not guard reads: a cross-site GET cannot change anything', async () => {
    const { request } = openApp();
    const res = await request('/healthz', { headers: { 'sec-fetch-site': 'cross-site' } });
    expect(res.status).toBe(200);
  });
});
