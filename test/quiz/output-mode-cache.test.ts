import { describe, expect, it } from 'vitest';
import { useTestDatabase } from '../helpers/db.js';
import { recordModelCapability } from '../../src/db/quiz/capabilities.js';
import { createModelClient } from '../../src/model/client.js';
import { OUTPUT_MODES } from '../../src/model/output-modes.js';
import { CAPABILITY_CACHE_MS, CAPABILITY_TTL_MS, chooseOutputMode, stepDownOutputMode } from '../../src/quiz/output.js';

const getDb = useTestDatabase();

const client = (baseURL: string) =>
  createModelClient({ mode: 'live', baseURL, apiKey: 'sk-test', model: 'm', timeoutMs: 1000, fixturesDir: '/nonexistent' });

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** What another worker process does when the server refuses a mode: record it for everyone. */
const recordElsewhere = (baseUrl: string, outputMode: string, ttlMs = CAPABILITY_TTL_MS) =>
  recordModelCapability(getDb().database.db, { baseUrl, model: 'm', outputMode, reason: 'another worker', ttlMs, modes: OUTPUT_MODES });

describe('the output mode a process chooses (capabilities read once per CAPABILITY_CACHE_MS)', () => {
  it('a mode another worker records is used once the cache period has passed, not on every call before', async () => {
    const c = client('http://127.0.0.1:9/a');
    const db = getDb().database.db;
    expect(await chooseOutputMode(db, c, 'm')).toEqual({ mode: 'json_schema', configured: false });
    await recordElsewhere(c.baseURL, 'tools');
    expect((await chooseOutputMode(db, c, 'm')).mode).toBe('json_schema');
    await sleep(CAPABILITY_CACHE_MS + 50);
    expect(await chooseOutputMode(db, c, 'm')).toEqual({ mode: 'tools', configured: false });
  });

  it('a step-down in this process is chosen by its next call at once', async () => {
    const c = client('http://127.0.0.1:9/b');
    const db = getDb().database.db;
    expect((await chooseOutputMode(db, c, 'm')).mode).toBe('json_schema');
    const refused = { kind: 'bad_request' as const, status: 400, message: 'response_format json_schema is not supported' };
    expect(await stepDownOutputMode(db, c, 'm', { mode: 'json_schema', configured: false }, refused)).toBe('tools');
    expect((await chooseOutputMode(db, c, 'm')).mode).toBe('tools');
  });

  it('a cached record is not used past its own expiry', async () => {
    const c = client('http://127.0.0.1:9/c');
    const db = getDb().database.db;
    await recordElsewhere(c.baseURL, 'json_object', 300);
    expect((await chooseOutputMode(db, c, 'm')).mode).toBe('json_object');
    await sleep(350);
    expect((await chooseOutputMode(db, c, 'm')).mode).toBe('json_schema');
  });

  it('concurrent first callers all get the recorded mode (one read between them)', async () => {
    const c = client('http://127.0.0.1:9/d');
    await recordElsewhere(c.baseURL, 'tools');
    const modes = await Promise.all(Array.from({ length: 5 }, () => chooseOutputMode(getDb().database.db, c, 'm')));
    expect(modes.map((m) => m.mode)).toEqual(['tools', 'tools', 'tools', 'tools', 'tools']);
  });
});
