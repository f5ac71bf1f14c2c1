import { beforeAll, describe, expect, it } from 'vitest';
import { INLINE_SOURCE_MAX_CHARS } from '../../schemas/batch-request.js';
import { useTestDatabase } from '../helpers/db.js';
import { API_KEY, bearer, buildApp, errorOf, unreachableFeed, unreachableQuiz, type Built } from './harness.js';

const db = useTestDatabase();
let api: Built;

beforeAll(() => {
  api = buildApp({ database: db().database, quiz: unreachableQuiz(), events: unreachableFeed() });
});

const post = (body: unknown) =>
  api.request('/v1/batches', { method: 'POST', headers: { ...bearer(API_KEY), 'content-type': 'application/json' }, body: JSON.stringify(body) });

describe('POST /v1/batches with an inline source', () => {
  it('names source.text when the text is over what the request body can carry (422, not a bare 413)', async () => {
    const res = await post({ count: 3, source: { text: 'g'.repeat(INLINE_SOURCE_MAX_CHARS + 1) } });
    expect(res.status).toBe(422);
    const err = await errorOf(res);
    expect(err.issues?.map((i) => i.path)).toContain('source.text');
  });

  it('the contract bound fits inside the 64 KiB body limit for single-byte text (multi-byte text can still meet the 413 first)', () => {
    const body = JSON.stringify({ count: 3, source: { text: 'g'.repeat(INLINE_SOURCE_MAX_CHARS), title: 'x'.repeat(200) } });
    expect(Buffer.byteLength(body)).toBeLessThan(64 * 1024);
  });
});
