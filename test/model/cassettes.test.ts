import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { findClosest } from '../../src/model/cassette-store.js';
import {
  cassetteKey,
  canonicalJson,
  decodeFixtureMeta,
  encodeFixtureMeta,
  loadCassettes,
  normaliseRequest,
  parseCassette,
} from '../../src/model/cassettes.js';
import type { Cassette } from '../../src/model/cassettes.js';
import { makeTempDir } from './helpers.js';

const URL_A = 'http://127.0.0.1:4000/v1/chat/completions';
const URL_B = 'https://api.openai.com/v1/chat/completions';

function keyOf(body: unknown, url = URL_A, method = 'POST'): string {
  return cassetteKey(normaliseRequest(method, url, JSON.stringify(body)));
}

function cassetteFor(body: Record<string, unknown>, meta: unknown = null): Cassette {
  const request = normaliseRequest('POST', URL_A, JSON.stringify(body));
  return {
    version: 1,
    key: cassetteKey(request),
    recordedAt: '2025-01-01T00:00:00.000Z',
    request,
    response: { status: 200, headers: { 'content-type': 'application/json' }, body: { ok: true } },
    meta,
  };
}

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((c) => c()));
});

describe('cassette keys', () => {
  const body = {
    model: 'gpt-4o-mini',
    messages: [{ role: 'user', content: 'hi' }],
    temperature: 0,
    response_format: { type: 'json_schema', json_schema: { name: 'quiz', strict: true, schema: { a: 1, b: 2 } } },
  };

  it('ignores key order at every depth, and the host', () => {
    const reordered = {
      response_format: { json_schema: { schema: { b: 2, a: 1 }, strict: true, name: 'quiz' }, type: 'json_schema' },
      temperature: 0,
      messages: [{ content: 'hi', role: 'user' }],
      model: 'gpt-4o-mini',
    };
    expect(keyOf(reordered, URL_B)).toBe(keyOf(body));
    expect(keyOf(body)).toMatch(/^[0-9a-f]{20}$/);
  });

  it.each([
    ['model', { ...body, model: 'gpt-4o' }],
    ['temperature', { ...body, temperature: 0.2 }],
    ['max tokens', { ...body, max_tokens: 100 }],
    ['message text', { ...body, messages: [{ role: 'user', content: 'hi!' }] }],
    ['message order', { ...body, messages: [{ role: 'system', content: 's' }, { role: 'user', content: 'hi' }] }],
    ['response_format', { ...body, response_format: { type: 'json_object' } }],
  ])('changes when %s changes', (_name, changed) => {
    expect(keyOf(changed)).not.toBe(keyOf(body));
  });

  it('changes with method and path', () => {
    expect(keyOf(body, 'http://h/v1/completions')).not.toBe(keyOf(body));
    expect(keyOf(body, URL_A, 'PUT')).not.toBe(keyOf(body));
  });

  it('canonical JSON drops undefined and sorts keys', () => {
    expect(canonicalJson({ b: 1, a: undefined, c: [{ z: 1, y: 2 }] })).toBe('{"b":1,"c":[{"y":2,"z":1}]}');
  });
});

describe('fixture meta header encoding', () => {
  it('round-trips non-ASCII as an ASCII-only header value', () => {
    const meta = { topic: 'Étretat cliffs — 潮', attempt: 2 };
    const encoded = encodeFixtureMeta(meta);
    expect(encoded).toMatch(/^[\x20-\x7e]*$/);
    expect(() => new Headers({ 'x-test': encoded })).not.toThrow();
    expect(decodeFixtureMeta(encoded)).toEqual(meta);
  });

  it('keeps a non-JSON value as text', () => {
    expect(decodeFixtureMeta('topic=tides')).toEqual({ unparsed: 'topic=tides' });
  });
});

describe('parseCassette and loadCassettes', () => {
  it('accepts a well-formed cassette and rejects a tampered key', () => {
    const c = cassetteFor({ model: 'm', messages: [] });
    expect(parseCassette(JSON.stringify(c)).key).toBe(c.key);
    const tampered = { ...c, request: { ...c.request, body: { model: 'other', messages: [] } } };
    expect(() => parseCassette(JSON.stringify(tampered))).toThrow(/does not match its request/);
    expect(() => parseCassette(JSON.stringify({ ...c, version: 2 }))).toThrow(/version/);
    expect(() => parseCassette('{nope')).toThrow(/not JSON/);
  });

  it('loads key-named files, reports broken ones, ignores other files', async () => {
    const { dir, cleanup } = await makeTempDir();
    cleanups.push(cleanup);
    const good = cassetteFor({ model: 'm', messages: [{ role: 'user', content: 'a' }] });
    await writeFile(path.join(dir, `${good.key}.json`), JSON.stringify(good));
    await writeFile(path.join(dir, `${'0'.repeat(20)}.json`), '{"version":1}');
    await writeFile(path.join(dir, 'notes.json'), '{}');
    await writeFile(path.join(dir, `.${good.key}.123.tmp`), 'partial');
    const loaded = await loadCassettes(dir);
    expect(loaded.cassettes.map((c) => c.key)).toEqual([good.key]);
    expect(loaded.problems).toHaveLength(1);
    expect(loaded.problems[0]?.file).toBe(`${'0'.repeat(20)}.json`);
  });

  it('treats a missing directory as empty', async () => {
    expect(await loadCassettes('/nonexistent/quizforge/fixtures')).toEqual({ cassettes: [], problems: [] });
  });
});

describe('findClosest', () => {
  const base = { model: 'm', temperature: 0, messages: [{ role: 'user', content: 'five questions about ocean tides' }] };
  const tides = cassetteFor(base, { topic: 'tides' });
  const volcano = cassetteFor(
    { ...base, messages: [{ role: 'user', content: 'ten questions about volcanic eruptions' }] },
    { topic: 'volcanoes' },
  );

  it('prefers the cassette sharing the most of the body and names the differing fields', () => {
    const req = normaliseRequest(
      'POST',
      URL_A,
      JSON.stringify({ ...base, temperature: 0.7, messages: [{ role: 'user', content: 'five questions about ocean tides!' }] }),
    );
    const closest = findClosest(req, [volcano, tides]);
    expect(closest?.cassette.key).toBe(tides.key);
    expect(closest?.differingFields).toEqual(['messages', 'temperature']);
    expect(closest?.similarity).toBeGreaterThan(0.5);
  });

  it('returns undefined with nothing recorded', () => {
    expect(findClosest(normaliseRequest('POST', URL_A, '{}'), [])).toBeUndefined();
  });
});
