import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useTestDatabase } from '../../helpers/db.js';
import { answerText, demoQuestion, readAsk } from '../../../src/quiz/demo-model.js';
import type { BatchOutcome, ScriptedBatchServer } from '../../../src/model/scripted-batch-server.js';
import type { ScriptFn } from '../../../src/model/scripted-server.js';
import type { BatchView } from '../../../src/quiz/views.js';
import { TOKEN_KEY } from '../../../src/quiz/economy.js';
import { listModelCalls } from '../../../src/db/quiz/index.js';
import { toTranscriptAttempt } from '../../../src/quiz/present.js';
import { DEFAULT_QUIZ_CONFIG } from '../../../src/quiz/config.js';
import { callsOf, startPipeline, type Pipeline } from './harness.js';

const getDb = useTestDatabase();
let p: Pipeline;
let outcome: BatchOutcome = 'complete';
let createDelayMs = 0;
let createError: { status: number; message: string } | null = null;

beforeAll(async () => {
  p = await startPipeline(getDb().database, {
    quiz: { economyPollMs: 40 },
    model: { timeoutMs: 1_000 },
    batchApi: { outcome: () => outcome, pollsBeforeDone: 2, expiredAfter: 1, createDelayMs: () => {
      const d = createDelayMs;
      createDelayMs = 0;
      return d;
    }, createError: () => createError },
  });
});
afterAll(async () => {
  if (p !== undefined) await p.stop();
});

const server = (): ScriptedBatchServer => p.server as ScriptedBatchServer;

let answers = 0;
/** A model that answers every ask with valid questions, new ones each time (no cross-chunk duplicates). */
function honest(topic: string): ScriptFn {
  return ({ body }) => {
    const base = ++answers * 10;
    return { content: answerText(Array.from({ length: readAsk(body).count }, (_, i) => demoQuestion(topic, base + i))) };
  };
}

function liveAsks(topic: string, from: number): number {
  return server()
    .requests.slice(from)
    .filter((r) => r.path === '/v1/chat/completions' && readAsk(r.body as never).topic === topic).length;
}

async function chunkCalls(view: BatchView): Promise<Array<{ kind: unknown; via: unknown }>> {
  const chunks = view.jobs.filter((j) => j.kind === 'chunk');
  const calls = await Promise.all(chunks.map((c) => callsOf(getDb().database, c.id)));
  return calls.map((cs) => cs.map((c) => ({ kind: c.kind, via: c.via }))).flat();
}

async function run(topic: string, count: number): Promise<BatchView> {
  const batch = await p.submit({ topic, count, priority: 'economy' });
  expect(batch.economy).toMatchObject({ mode: 'pending' });
  expect(batch.jobs.map((j) => j.kind)).toContain('economy');
  const done = await p.waitFor(batch.id, ['succeeded', 'failed'], 20_000);
  expect(done.status).toBe('succeeded');
  expect(done.questions).toHaveLength(count);
  return done;
}

describe('priority "economy": chunk first calls through the Batch API', () => {
  it('sends one provider batch with a line per chunk, polls without spending attempts, validates the answers', async () => {
    outcome = 'complete';
    const topic = 'Tides';
    p.script(honest(topic));
    const before = server().batches.length;
    const from = server().requests.length;
    const done = await run(topic, 8);
    expect(server().batches.length).toBe(before + 1);
    const provider = server().batches.at(-1);
    expect(done.economy).toMatchObject({ mode: 'batch', reason: null, requests: 2, answered: 2, providerBatchId: provider?.id, providerStatus: 'completed' });
    expect(done.economy?.polls).toBeGreaterThanOrEqual(3);
    expect(provider?.metadata).toMatchObject({ quizforge_batch: done.id, [TOKEN_KEY]: expect.any(String) });
    // custom_id = the chunk job and its call number; the lines carry the same body a live ask would.
    const input = server().files.get(provider?.inputFileId ?? '') ?? '';
    const lines = input.trim().split('\n').map((l) => JSON.parse(l) as { custom_id: string; url: string; body: { messages: unknown[] } });
    const chunkIds = done.jobs.filter((j) => j.kind === 'chunk').map((j) => j.id);
    expect(lines.map((l) => l.custom_id)).toEqual(chunkIds.map((id) => `job-${id}-call-1`));
    expect(lines.every((l) => l.url === '/v1/chat/completions' && l.body.messages.length >= 2)).toBe(true);
    // Nothing went live for generation, and the snoozes spent no attempt.
    expect(liveAsks(topic, from)).toBe(0);
    expect(done.jobs.find((j) => j.kind === 'economy')?.attempts).toBe(1);
    expect(await chunkCalls(done)).toEqual([
      { kind: 'generate', via: 'batch' },
      { kind: 'generate', via: 'batch' },
    ]);
    expect(done.usage.modelCalls).toBe(2);
    expect(done.usage.promptTokens).toBeGreaterThan(0);
  });

  it('a bad batch answer goes through the same repair loop, the repair live', async () => {
    outcome = 'complete';
    const topic = 'Monsoons';
    const good = honest(topic);
    p.script((req) => {
      if (req.headers['x-scripted-via'] !== 'batch') return good(req);
      const qs: unknown[] = Array.from({ length: readAsk(req.body).count }, (_, i) => demoQuestion(topic, i + 1));
      qs[1] = { ...(qs[1] as object), correctAnswer: 9 };
      return { content: answerText(qs) };
    });
    const from = server().requests.length;
    const done = await run(topic, 3);
    expect(done.economy).toMatchObject({ mode: 'batch', answered: 1, reason: null });
    expect(await chunkCalls(done)).toEqual([
      { kind: 'generate', via: 'batch' },
      { kind: 'repair', via: null },
    ]);
    expect(liveAsks(topic, from)).toBe(1);
    const chunk = done.jobs.find((j) => j.kind === 'chunk');
    const first = (await callsOf(getDb().database, chunk?.id ?? -1))[0];
    expect(JSON.stringify(first?.issues)).toContain('answer_out_of_range');
    // The DLQ transcript shows which call the Batch API answered.
    const transcript = (await listModelCalls(getDb().database.db, chunk?.id ?? -1)).map(toTranscriptAttempt);
    expect(transcript.map((a) => [a.kind, a.via])).toEqual([
      ['generate', 'batch'],
      ['repair', undefined],
    ]);
  });

  it('a failed provider batch falls back to live calls, and the batch says so', async () => {
    outcome = 'fail';
    const topic = 'Fjords';
    p.script(honest(topic));
    const from = server().requests.length;
    const done = await run(topic, 4);
    expect(done.economy?.mode).toBe('live-fallback');
    expect(done.economy?.providerStatus).toBe('failed');
    expect(done.economy?.reason).toMatch(/the provider failed batch batch_scripted_\d+ \(scripted: the input file was rejected\): every chunk runs live/);
    expect(await chunkCalls(done)).toEqual([{ kind: 'generate', via: null }]);
    expect(liveAsks(topic, from)).toBe(1);
  });

  it('an expired provider batch: its completed lines are used, the rest run live', async () => {
    outcome = 'expire';
    const topic = 'Deltas';
    p.script(honest(topic));
    const from = server().requests.length;
    const done = await run(topic, 10);
    expect(done.economy).toMatchObject({ mode: 'batch', requests: 2, answered: 1, providerStatus: 'expired' });
    expect(done.economy?.reason).toMatch(/expired .* with 1 of 2 requests answered: those answers are used, the other 1 chunk\(s\) run live/);
    expect(done.economy?.reason).toContain('batch_expired: This request could not be executed before the completion window expired.');
    const vias = (await chunkCalls(done)).map((c) => c.via).sort();
    expect(vias).toEqual(['batch', null]);
    expect(liveAsks(topic, from)).toBe(1);
  });

  it('a batch whose budget cannot hold all its first calls at once sends no provider batch; its chunks go live, reserving call by call', async () => {
    outcome = 'complete';
    const topic = 'Glaciers';
    p.script(honest(topic));
    const before = server().batches.length;
    const batch = await p.submit({ topic, count: 8, priority: 'economy', maxTokens: 1 });
    const done = await p.waitFor(batch.id, ['succeeded', 'failed'], 20_000);
    expect(server().batches.length).toBe(before);
    expect(done.economy).toMatchObject({ mode: 'live-fallback', reason: expect.stringMatching(/maxTokens cannot hold the Batch API's 2 calls .* every chunk runs live/) });
    // Live, each call reserves its own worst case, which 1 token cannot hold either: dead with reason budget.
    expect(done.status).toBe('failed');
    // The batch reads failed with its first dead chunk; the other follows.
    const chunks = done.jobs.filter((j) => j.kind === 'chunk');
    await expect
      .poll(async () => (await Promise.all(chunks.map((j) => p.engine.getJob(j.id)))).map((j) => j?.deadReason), { timeout: 10_000 })
      .toEqual(['budget', 'budget']);
  });

  it('a provider without a Batch API (404) falls back to live calls', async () => {
    outcome = 'missing';
    const topic = 'Estuaries';
    p.script(honest(topic));
    const before = server().batches.length;
    const done = await run(topic, 2);
    expect(server().batches.length).toBe(before);
    expect(done.economy).toMatchObject({ mode: 'live-fallback', providerBatchId: null, answered: 0 });
    expect(done.economy?.reason).toBe('the provider has no Batch API (files.create answered HTTP 404): every chunk runs live');
    expect(await chunkCalls(done)).toEqual([{ kind: 'generate', via: null }]);
  });

  it('a create that timed out after the provider made the batch is adopted on retry, not created twice', async () => {
    outcome = 'complete';
    createDelayMs = 1_500;
    const topic = 'Lagoons';
    p.script(honest(topic));
    const before = server().batches.length;
    const from = server().requests.length;
    try {
      const batch = await p.submit({ topic, count: 2, priority: 'economy' });
      const done = await p.waitFor(batch.id, ['succeeded', 'failed'], 20_000);
      expect(done.status).toBe('succeeded');
      const made = server().batches.slice(before);
      expect(made).toHaveLength(1);
      expect(done.economy).toMatchObject({ mode: 'batch', providerBatchId: made[0]?.id, answered: 1 });
      // The retry looked the batch up by its token instead of creating another.
      const calls = server().requests.slice(from).map((r) => `${r.method} ${r.path}`);
      expect(calls.filter((c) => c === 'POST /v1/batches')).toHaveLength(1);
      expect(calls).toContain('GET /v1/batches');
      // The timed-out attempt was a real (retried) failure; the poll snoozes were not.
      expect(done.jobs.find((j) => j.kind === 'economy')?.attempts).toBe(2);
    } finally {
      createDelayMs = 0;
    }
  });

  it('another 4xx from the Batch API falls back at once, naming the call and the error', async () => {
    outcome = 'complete';
    createError = { status: 400, message: 'scripted: the model is not available in batches' };
    const topic = 'Reefs';
    p.script(honest(topic));
    try {
      const done = await run(topic, 2);
      expect(done.economy?.mode).toBe('live-fallback');
      expect(done.economy?.reason).toBe('the Batch API failed (batches.create: bad_request HTTP 400: 400 scripted: the model is not available in batches): every chunk runs live');
      expect(done.jobs.find((j) => j.kind === 'economy')?.attempts).toBe(1);
    } finally {
      createError = null;
    }
  });

  it('a Batch API that keeps answering 5xx is retried by the engine, then the batch goes live on the last attempt', async () => {
    outcome = 'complete';
    createError = { status: 503, message: 'scripted: overloaded' };
    const topic = 'Sandbars';
    p.script(honest(topic));
    try {
      const done = await run(topic, 2);
      expect(done.economy?.mode).toBe('live-fallback');
      expect(done.economy?.reason).toMatch(/^the Batch API failed \(batches\.create: server_error HTTP 503: .*overloaded\): every chunk runs live$/);
      expect(done.jobs.find((j) => j.kind === 'economy')?.attempts).toBe(DEFAULT_QUIZ_CONFIG.jobMaxAttempts);
      expect(await chunkCalls(done)).toEqual([{ kind: 'generate', via: null }]);
    } finally {
      createError = null;
    }
  });
});
