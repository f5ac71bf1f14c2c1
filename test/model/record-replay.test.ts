import { readFile, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { APIError, NotFoundError } from 'openai';
import { afterEach, describe, expect, it } from 'vitest';
import { callChat } from '../../src/model/chat.js';
import { cassetteKey, normaliseRequest } from '../../src/model/cassettes.js';
import { isFixtureMissing } from '../../src/model/errors.js';
import { startScriptedServer } from '../../src/model/scripted-server.js';
import type { ScriptedServer } from '../../src/model/scripted-server.js';
import { USER_MESSAGE, forbiddenFetch, makeTempDir, testClient } from './helpers.js';

const cleanups: Array<() => Promise<void>> = [];
let server: ScriptedServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
  await Promise.all(cleanups.splice(0).map((c) => c()));
});

async function fixturesDir(): Promise<string> {
  const { dir, cleanup } = await makeTempDir('quizforge-cassettes-');
  cleanups.push(cleanup);
  return dir;
}

const META = { topic: 'Étretat tides', count: 5, options: 4, difficulty: 'medium', attempt: 1, versions: { system: 'abc' } };
const BODY = {
  messages: [
    { role: 'system' as const, content: 'You write quizzes as JSON.' },
    { role: 'user' as const, content: 'Five questions about tides.' },
  ],
  temperature: 0.2,
  max_tokens: 800,
  response_format: { type: 'json_object' as const },
};

async function jsonFiles(dir: string): Promise<string[]> {
  return (await readdir(dir)).sort();
}

describe('record mode', () => {
  it('forwards to the server and writes a cassette with meta but no secrets', async () => {
    server = await startScriptedServer(() => ({ content: '{"questions":[]}' }));
    const dir = await fixturesDir();
    const recorder = testClient({ mode: 'record', baseURL: server.url, fixturesDir: dir });
    const outcome = await callChat(recorder, BODY, { meta: META });
    expect(outcome).toMatchObject({ kind: 'completion', content: '{"questions":[]}' });

    const seen = server.requests[0]?.headers ?? {};
    expect(seen['authorization']).toBe('Bearer sk-test-secret-key');
    expect(seen).not.toHaveProperty('x-quizforge-fixture-meta');

    const files = await jsonFiles(dir);
    expect(files).toHaveLength(1);
    const text = await readFile(path.join(dir, files[0] ?? ''), 'utf8');
    expect(text).not.toMatch(/sk-test-secret-key|authorization|bearer|x-quizforge-fixture-meta/i);
    const cassette = JSON.parse(text) as Record<string, unknown>;
    expect(cassette).toMatchObject({
      version: 1,
      request: { method: 'POST', path: '/v1/chat/completions', body: { model: 'scripted-model', temperature: 0.2 } },
      response: { status: 200, headers: { 'content-type': 'application/json', 'x-request-id': 'req_scripted_1' } },
      meta: META,
    });
    expect(files[0]).toBe(`${String(cassette['key'])}.json`);
    const headers = (cassette['response'] as { headers: Record<string, string> }).headers;
    expect(Object.keys(headers).sort()).toEqual(['content-type', 'x-request-id']);
  });

  it('does not record failed exchanges', async () => {
    server = await startScriptedServer(() => ({ status: 500, error: { message: 'kaput' } }));
    const dir = await fixturesDir();
    const recorder = testClient({ mode: 'record', baseURL: server.url, fixturesDir: dir });
    const outcome = await callChat(recorder, BODY);
    expect(outcome).toMatchObject({ kind: 'error', error: { kind: 'server_error', status: 500 } });
    expect(await jsonFiles(dir).catch(() => [])).toEqual([]);
  });

  it('a timeout while recording is classified and leaves no cassette', async () => {
    server = await startScriptedServer(() => ({ delayMs: 1_000, content: 'late' }));
    const dir = await fixturesDir();
    const recorder = testClient({ mode: 'record', baseURL: server.url, fixturesDir: dir, timeoutMs: 100 });
    const outcome = await callChat(recorder, BODY);
    expect(outcome).toMatchObject({ kind: 'error', error: { kind: 'timeout' } });
    expect(await jsonFiles(dir).catch(() => [])).toEqual([]);
  });

  it('records many concurrent calls, identical ones into one file, with no temp files left', async () => {
    server = await startScriptedServer(({ body }) => ({ content: `answer to ${JSON.stringify(body.messages)}` }));
    const dir = await fixturesDir();
    const recorder = testClient({ mode: 'record', baseURL: server.url, fixturesDir: dir });
    const distinct = Array.from({ length: 12 }, (_, i) => ({ messages: [{ role: 'user' as const, content: `q${i}` }] }));
    const same = Array.from({ length: 5 }, () => ({ messages: [{ role: 'user' as const, content: 'same' }] }));
    const outcomes = await Promise.all([...distinct, ...same].map((b) => callChat(recorder, b)));
    expect(outcomes.every((o) => o.kind === 'completion')).toBe(true);
    expect(await jsonFiles(dir)).toHaveLength(13);

    const replayer = testClient({ mode: 'replay', baseURL: undefined, fixturesDir: dir }, { fetch: forbiddenFetch });
    const replayed = await Promise.all(distinct.map((b) => callChat(replayer, b)));
    replayed.forEach((o, i) => expect(o).toMatchObject({ kind: 'completion', content: expect.stringContaining(`q${i}`) }));
  });
});

describe('replay mode', () => {
  it('returns byte-identical SDK results without a network, whatever the body key order or meta', async () => {
    server = await startScriptedServer(() => ({ content: 'Tides are caused by the Moon.', usage: { promptTokens: 9, completionTokens: 7 } }));
    const dir = await fixturesDir();
    const recorder = testClient({ mode: 'record', baseURL: server.url, fixturesDir: dir });
    const { data: live, request_id: liveRequestId } = await recorder.openai.chat.completions
      .create({ model: 'scripted-model', ...BODY }, { headers: { 'x-quizforge-fixture-meta': JSON.stringify({ attempt: 1 }) } })
      .withResponse();
    await server.close();
    server = undefined;

    // Default base URL (api.openai.com): replay must never touch it.
    const replayer = testClient({ mode: 'replay', baseURL: undefined, fixturesDir: dir }, { fetch: forbiddenFetch });
    const reordered = {
      response_format: { type: 'json_object' as const },
      max_tokens: 800,
      temperature: 0.2,
      messages: BODY.messages.map((m) => ({ content: m.content, role: m.role })),
      model: 'scripted-model',
    };
    const { data, response, request_id } = await replayer.openai.chat.completions
      .create(reordered, { headers: { 'x-quizforge-fixture-meta': JSON.stringify({ attempt: 2 }) } })
      .withResponse();
    expect(JSON.stringify(data)).toBe(JSON.stringify(live));
    expect(request_id).toBe(liveRequestId);
    expect(request_id).toBe('req_scripted_1');
    expect(response.status).toBe(200);

    const outcome = await callChat(replayer, BODY, { meta: { attempt: 3 } });
    expect(outcome).toMatchObject({
      kind: 'completion',
      content: 'Tides are caused by the Moon.',
      usage: { promptTokens: 9, completionTokens: 7 },
    });
    if (outcome.kind === 'completion') expect(JSON.stringify(outcome.raw)).toBe(JSON.stringify(live));
  });

  it('a miss is fixture_missing naming the key and the closest recording', async () => {
    server = await startScriptedServer(() => ({ content: 'ok' }));
    const dir = await fixturesDir();
    const recorder = testClient({ mode: 'record', baseURL: server.url, fixturesDir: dir });
    await callChat(recorder, BODY, { meta: { topic: 'tides', attempt: 1 } });
    await callChat(recorder, { messages: [{ role: 'user', content: 'Ten questions on volcanoes.' }] }, { meta: { topic: 'volcanoes' } });
    const recorded = await jsonFiles(dir);
    const tidesKey = cassetteKey(
      normaliseRequest('POST', 'http://x/v1/chat/completions', JSON.stringify({ model: 'scripted-model', ...BODY })),
    );
    expect(recorded).toContain(`${tidesKey}.json`);

    const replayer = testClient({ mode: 'replay', baseURL: undefined, fixturesDir: dir }, { fetch: forbiddenFetch });
    const drifted = { ...BODY, temperature: 0.3 };
    const missKey = cassetteKey(
      normaliseRequest('POST', 'http://x/v1/chat/completions', JSON.stringify({ model: 'scripted-model', ...drifted })),
    );
    const outcome = await callChat(replayer, drifted, { meta: { topic: 'tides', attempt: 2 } });
    if (outcome.kind !== 'error') throw new Error('expected a miss');
    expect(outcome.error).toMatchObject({ kind: 'fixture_missing', status: 404 });
    expect(outcome.error.message).toContain(missKey);
    expect(outcome.error.message).toContain(`Closest recorded: key ${tidesKey}`);
    expect(outcome.error.message).toContain('differs in: temperature');
    expect(outcome.error.message).toContain('"topic":"tides","attempt":1');
    expect(isFixtureMissing(outcome.error)).toBe(true);

    const thrown = await replayer.openai.chat.completions
      .create({ model: 'scripted-model', ...drifted })
      .catch((err: unknown) => err);
    expect(thrown).toBeInstanceOf(NotFoundError);
    expect(isFixtureMissing(thrown)).toBe(true);
    expect(isFixtureMissing(new APIError(404, { message: 'no such model' }, undefined, new Headers()))).toBe(false);
  });

  it('a miss in an empty directory says nothing is recorded', async () => {
    const dir = await fixturesDir();
    const outcome = await callChat(testClient({ mode: 'replay', fixturesDir: dir }), { messages: USER_MESSAGE });
    expect(outcome).toMatchObject({ kind: 'error', error: { kind: 'fixture_missing' } });
    if (outcome.kind === 'error') expect(outcome.error.message).toContain('No cassettes are recorded');
  });

  it('picks up a cassette written by another process after the index was loaded', async () => {
    const dir = await fixturesDir();
    const replayer = testClient({ mode: 'replay', fixturesDir: dir });
    expect(await callChat(replayer, { messages: USER_MESSAGE })).toMatchObject({ kind: 'error' });

    const request = normaliseRequest(
      'POST',
      'http://elsewhere/v1/chat/completions',
      JSON.stringify({ messages: USER_MESSAGE, model: 'scripted-model' }),
    );
    const completion = {
      id: 'chatcmpl-x',
      object: 'chat.completion',
      created: 1,
      model: 'scripted-model',
      choices: [{ index: 0, message: { role: 'assistant', content: 'late arrival', refusal: null }, finish_reason: 'stop', logprobs: null }],
      usage: { prompt_tokens: 1, completion_tokens: 2, total_tokens: 3 },
    };
    const key = cassetteKey(request);
    const cassette = {
      version: 1,
      key,
      recordedAt: new Date().toISOString(),
      request,
      response: { status: 200, headers: { 'content-type': 'application/json' }, body: completion },
      meta: null,
    };
    await writeFile(path.join(dir, `${key}.json`), JSON.stringify(cassette));
    expect(await callChat(replayer, { messages: USER_MESSAGE })).toMatchObject({ kind: 'completion', content: 'late arrival' });
  });
});

describe('committed cassette', () => {
  it('replays the checked-in fixture from disk, so the format stays readable', async () => {
    const dir = path.join(import.meta.dirname, 'cassettes');
    const replayer = testClient({ mode: 'replay', model: 'gpt-4o-mini', fixturesDir: dir }, { fetch: forbiddenFetch });
    const outcome = await callChat(
      replayer,
      {
        temperature: 0,
        response_format: { type: 'json_object' },
        messages: [
          { role: 'system', content: 'Answer with one quiz question as JSON.' },
          { role: 'user', content: 'Topic: ocean tides' },
        ],
      },
      { meta: { note: 'meta never changes the key' } },
    );
    expect(outcome).toMatchObject({
      kind: 'completion',
      content: '{"question":"What mainly causes ocean tides?","answer":"The Moon"}',
      finishReason: 'stop',
      usage: { promptTokens: 21, completionTokens: 14 },
    });
  });
});
