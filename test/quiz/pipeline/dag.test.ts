import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useTestDatabase } from '../../helpers/db.js';
import { queryRows } from '../../../src/db/rows.js';
import { answerText, demoQuestion, readAsk } from '../../../src/quiz/demo-model.js';
import { QUEUES } from '../../../src/quiz/payloads.js';
import type { ClaimedJob, HandlerContext } from '../../../src/engine/types.js';
import { silentLogger } from '../../../src/engine/index.js';
import { batchEventTypes, callsOf, startPipeline, type Pipeline } from './harness.js';

const getDb = useTestDatabase();
let p: Pipeline;

beforeAll(async () => {
  p = await startPipeline(getDb().database, { quiz: { chunkSize: 2 } });
});
afterAll(async () => {
  if (p !== undefined) await p.stop();
});

async function questionRows(batchId: string): Promise<number> {
  const rows = await queryRows(getDb().database.db, sql`select count(*)::int as n from questions where batch_id = ${batchId}`);
  return Number(rows[0]?.n);
}

describe('the batch DAG', () => {
  it('a dead chunk fails the batch and blocks assemble; replaying it from the DLQ resumes the batch', async () => {
    const topic = 'Replayable';
    let fixed = false;
    p.script(({ body }) => {
      const ask = readAsk(body);
      const qs = Array.from({ length: ask.count }, (_, i) => demoQuestion(topic, (ask.repair ? 100 : 0) + i + 1));
      // Until "fixed", the one-question chunk always answers with an index out of range.
      const broken = !fixed && ask.count === 1;
      return { content: answerText(broken ? qs.map((q) => ({ ...q, correctAnswer: 4 })) : qs) };
    });
    const batch = await p.submit({ topic, count: 3, maxAttempts: 1 });
    const failed = await p.waitFor(batch.id, ['failed']);
    const dead = failed.jobs.find((j) => j.state === 'dead');
    expect(dead?.kind).toBe('chunk');
    expect(failed.jobs.find((j) => j.kind === 'assemble')?.state).toBe('blocked');
    expect(failed.questions).toBeNull();
    expect(await batchEventTypes(getDb().database, batch.id)).toContain('batch.failed');

    fixed = true;
    const replayed = await p.service.dlqReplay(dead?.id ?? -1, { maxAttempts: 2 });
    expect(replayed.state).toBe('ready');
    const done = await p.waitFor(batch.id, ['succeeded']);
    expect(done.questions).toHaveLength(3);
    const calls = await callsOf(getDb().database, dead?.id ?? -1);
    // The replay opened a new budget period and continued the repair conversation.
    expect(calls.map((c) => [c.epoch, c.kind])).toEqual([
      [0, 'generate'],
      [1, 'repair'],
    ]);
    expect(await p.service.dlqGet(dead?.id ?? -1)).toBeNull();
    const events = await batchEventTypes(getDb().database, batch.id);
    expect(events.indexOf('batch.succeeded')).toBeGreaterThan(events.indexOf('batch.failed'));
  });

  it('discarding a dead chunk leaves the batch failed for good', async () => {
    p.script(() => ({ status: 401, error: { message: 'bad key' } }));
    const batch = await p.submit({ topic: 'Discarded', count: 1 });
    const failed = await p.waitFor(batch.id, ['failed']);
    const dead = failed.jobs.find((j) => j.state === 'dead');
    await p.service.dlqDiscard(dead?.id ?? -1);
    const after = await p.service.get(batch.id);
    expect(after?.status).toBe('failed');
    expect(after?.jobs.find((j) => j.id === dead?.id)?.state).toBe('discarded');
  });

  it('rejects questions duplicated across chunks and regenerates only those', async () => {
    const topic = 'Duplicated';
    const from = p.server?.requests.length ?? 0;
    p.script(({ body }) => {
      const ask = readAsk(body);
      // Every chunk answers the same two questions; a repair gets fresh ones.
      const base = ask.repair ? 50 : 0;
      return { content: answerText(Array.from({ length: ask.count }, (_, i) => demoQuestion(topic, base + i + 1))) };
    });
    const batch = await p.submit({ topic, count: 4 });
    const done = await p.waitFor(batch.id, ['succeeded', 'failed']);
    expect(done.status).toBe('succeeded');
    const texts = (done.questions ?? []).map((q) => q.question);
    expect(new Set(texts).size).toBe(4);
    expect(texts.slice(0, 2)).toEqual([demoQuestion(topic, 1).question, demoQuestion(topic, 2).question]);
    const asks = (p.server?.requests ?? []).slice(from).map((r) => readAsk(r.body as never));
    const repairs = asks.filter((a) => a.repair);
    expect(repairs).toHaveLength(1);
    expect(repairs[0]).toMatchObject({ count: 2, failing: [2, 3] });
    expect(repairs[0]?.issues).toContain('[duplicate_question]');
    const assemble = done.jobs.find((j) => j.kind === 'assemble');
    const calls = await callsOf(getDb().database, assemble?.id ?? -1);
    expect(calls.map((c) => c.kind)).toEqual(['repair']);
    expect(done.usage.modelCalls).toBe(3);
  });

  it('re-running assemble never duplicates questions nor re-announces the batch', async () => {
    let n = 0;
    p.script(({ body }) => {
      const ask = readAsk(body);
      return { content: answerText(Array.from({ length: ask.count }, () => demoQuestion(ask.topic, ++n))) };
    });
    const batch = await p.submit({ topic: 'Idempotent', count: 3 });
    const done = await p.waitFor(batch.id, ['succeeded']);
    const before = (done.questions ?? []).map((q) => JSON.stringify(q));
    expect(await questionRows(batch.id)).toBe(3);

    // Run the assemble handler again, as a crashed-after-commit or replayed run would, and apply its
    // effects twice more through the engine's own completion path.
    const assembleId = done.jobs.find((j) => j.kind === 'assemble')?.id ?? -1;
    const job = await p.engine.getJob(assembleId);
    const chunks = done.jobs.filter((j) => j.kind === 'chunk');
    const parents = await Promise.all(chunks.map(async (c) => ({ id: c.id, queue: QUEUES.chunk, result: (await p.engine.getJob(c.id))?.result })));
    const task = p.service.tasks()[QUEUES.assemble];
    const claimed = { ...job, leaseToken: '00000000-0000-0000-0000-000000000000', leaseExpiresAt: new Date() } as ClaimedJob;
    const ctx: HandlerContext = { signal: new AbortController().signal, parents, workerId: 'test', log: silentLogger };
    for (let i = 0; i < 2; i += 1) {
      const out = await task?.handler(claimed, ctx);
      await p.engine.transaction(async (tx) => out?.effects?.(tx, claimed));
    }
    expect(await questionRows(batch.id)).toBe(3);
    const again = await p.service.get(batch.id);
    expect((again?.questions ?? []).map((q) => JSON.stringify(q))).toEqual(before);
    expect((await batchEventTypes(getDb().database, batch.id)).filter((t) => t === 'batch.succeeded')).toHaveLength(1);
  });

  it('a dead assemble (duplicates it could not replace) fails the batch; its replay stores the quiz once', async () => {
    const topic = 'Stubborn duplicates';
    let fixed = false;
    p.script(({ body }) => {
      const ask = readAsk(body);
      // Chunks repeat each other, and until "fixed" a repair repeats them yet again.
      const base = ask.repair && fixed ? 70 : 0;
      return { content: answerText(Array.from({ length: ask.count }, (_, i) => demoQuestion(topic, base + i + 1))) };
    });
    const batch = await p.submit({ topic, count: 4, maxAttempts: 1 });
    const failed = await p.waitFor(batch.id, ['failed']);
    const assemble = failed.jobs.find((j) => j.kind === 'assemble');
    expect(assemble?.state).toBe('dead');
    const entry = await p.service.dlqGet(assemble?.id ?? -1);
    expect(entry).toMatchObject({ kind: 'assemble', reason: 'validation' });
    expect(entry?.attempts[0]?.issues.map((i) => i.code)).toContain('duplicate_question');
    expect(await questionRows(batch.id)).toBe(0);

    fixed = true;
    await p.service.dlqReplay(assemble?.id ?? -1);
    const done = await p.waitFor(batch.id, ['succeeded']);
    expect(new Set((done.questions ?? []).map((q) => q.question)).size).toBe(4);
    expect(await questionRows(batch.id)).toBe(4);
    expect((await batchEventTypes(getDb().database, batch.id)).filter((t) => t === 'batch.succeeded')).toHaveLength(1);
  });
});
