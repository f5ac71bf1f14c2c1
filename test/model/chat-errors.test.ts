import { afterEach, describe, expect, it } from 'vitest';
import { callChat } from '../../src/model/chat.js';
import { startScriptedServer } from '../../src/model/scripted-server.js';
import type { ScriptedReply, ScriptedServer } from '../../src/model/scripted-server.js';
import { USER_MESSAGE, testClient } from './helpers.js';

let server: ScriptedServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function outcomeFor(reply: ScriptedReply, timeoutMs = 5_000) {
  server = await startScriptedServer(() => reply);
  const client = testClient({ baseURL: server.url, timeoutMs });
  return callChat(client, { messages: USER_MESSAGE });
}

function errorOf(outcome: Awaited<ReturnType<typeof callChat>>) {
  if (outcome.kind !== 'error') throw new Error(`expected an error outcome, got ${JSON.stringify(outcome)}`);
  return outcome.error;
}

describe('callChat error classification through the real SDK', () => {
  it('429 with Retry-After seconds is rate_limited with retryAfterMs', async () => {
    const error = errorOf(
      await outcomeFor({ status: 429, error: { message: 'slow down', type: 'rate_limit_error' }, headers: { 'retry-after': '7' } }),
    );
    expect(error).toMatchObject({ kind: 'rate_limited', status: 429, retryAfterMs: 7_000 });
    expect(error.message).toContain('slow down');
    expect(server?.requests).toHaveLength(1); // maxRetries: 0 — the engine owns retries
  });

  it('retry-after-ms wins over Retry-After', async () => {
    const error = errorOf(
      await outcomeFor({
        status: 429,
        error: { message: 'slow down' },
        headers: { 'retry-after': '7', 'retry-after-ms': '250' },
      }),
    );
    expect(error.retryAfterMs).toBe(250);
  });

  it('Retry-After as an HTTP date becomes a delay from now', async () => {
    const at = new Date(Date.now() + 30_000).toUTCString();
    const error = errorOf(await outcomeFor({ status: 503, error: { message: 'overloaded' }, headers: { 'retry-after': at } }));
    expect(error.kind).toBe('server_error');
    expect(error.retryAfterMs).toBeGreaterThan(25_000);
    expect(error.retryAfterMs).toBeLessThanOrEqual(30_000);
  });

  it.each([
    [500, 'server_error'],
    [502, 'server_error'],
    [400, 'bad_request'],
    [422, 'bad_request'],
    [401, 'unauthorized'],
    [403, 'forbidden'],
    [404, 'not_found'],
  ] as const)('HTTP %i is %s', async (status, kind) => {
    const error = errorOf(await outcomeFor({ status, error: { message: `boom ${status}` } }));
    expect(error).toMatchObject({ kind, status });
    expect(error.message).toContain(`boom ${status}`);
    expect(error.retryAfterMs).toBeUndefined();
    expect(server?.requests).toHaveLength(1);
  });

  it('a slow server past timeoutMs is a timeout, not a connection error', async () => {
    const error = errorOf(await outcomeFor({ delayMs: 1_000, content: 'too late' }, 100));
    expect(error.kind).toBe('timeout');
    expect(error.status).toBeUndefined();
  });

  it('a destroyed socket is a connection error', async () => {
    const error = errorOf(await outcomeFor({ destroySocket: true }));
    expect(error.kind).toBe('connection');
  });

  it('nothing listening is a connection error', async () => {
    const probe = await startScriptedServer(() => ({ content: 'x' }));
    const url = probe.url;
    await probe.close();
    const outcome = await callChat(testClient({ baseURL: url }), { messages: USER_MESSAGE });
    expect(errorOf(outcome).kind).toBe('connection');
  });

  it('an abort requested by the caller is thrown, not reported as a model failure', async () => {
    server = await startScriptedServer(() => ({ delayMs: 2_000, content: 'late' }));
    const client = testClient({ baseURL: server.url });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    await expect(callChat(client, { messages: USER_MESSAGE }, { signal: controller.signal })).rejects.toThrow(/abort/i);
  });
});

describe('callChat completions', () => {
  it('normalises content, finish reason, usage and keeps the raw JSON', async () => {
    server = await startScriptedServer(({ body }) => ({
      content: `echo ${body.model}`,
      usage: { promptTokens: 11, completionTokens: 3 },
    }));
    const outcome = await callChat(testClient({ baseURL: server.url }), { messages: USER_MESSAGE, temperature: 0 });
    expect(outcome).toMatchObject({
      kind: 'completion',
      content: 'echo scripted-model',
      refusal: null,
      finishReason: 'stop',
      usage: { promptTokens: 11, completionTokens: 3 },
    });
    if (outcome.kind !== 'completion') return;
    expect(outcome.latencyMs).toBeGreaterThanOrEqual(0);
    expect(outcome.raw).toMatchObject({ object: 'chat.completion', usage: { total_tokens: 14 } });
    expect(server.requests[0]?.body).toMatchObject({ model: 'scripted-model', temperature: 0 });
  });

  it('surfaces a refusal', async () => {
    const outcome = await outcomeFor({ refusal: 'I cannot help with that.' });
    expect(outcome).toMatchObject({ kind: 'completion', content: null, refusal: 'I cannot help with that.' });
  });

  it('surfaces finish_reason length', async () => {
    const outcome = await outcomeFor({ content: '{"questions": [', finishReason: 'length' });
    expect(outcome).toMatchObject({ kind: 'completion', finishReason: 'length', content: '{"questions": [' });
  });

  it('sends the caller model when given and drops a falsy stream flag', async () => {
    server = await startScriptedServer(() => ({ content: 'ok' }));
    await callChat(testClient({ baseURL: server.url }), { model: 'other-model', messages: USER_MESSAGE, stream: false });
    expect(server.requests[0]?.body).toMatchObject({ model: 'other-model' });
    expect(server.requests[0]?.body).not.toHaveProperty('stream');
  });

  it('strips the fixture meta header even in live mode', async () => {
    server = await startScriptedServer(() => ({ content: 'ok' }));
    await callChat(testClient({ baseURL: server.url }), { messages: USER_MESSAGE }, { meta: { topic: 'tides' } });
    const headers = server.requests[0]?.headers ?? {};
    expect(headers).not.toHaveProperty('x-quizforge-fixture-meta');
    expect(headers['authorization']).toBe('Bearer sk-test-secret-key');
  });

  it('the scripted server answers anything but chat completions with 404', async () => {
    server = await startScriptedServer(() => ({ content: 'ok' }));
    const res = await fetch(`${server.url}/models`);
    expect(res.status).toBe(404);
  });
});
