import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NOT_ANSWERED, countBudgetUsed, insertModelCall, startModelCall, usageByJob, type ModelCallInput } from '../../../src/db/quiz/index.js';
import { queryRows } from '../../../src/db/rows.js';
import { answerText, demoQuestion, readAsk } from '../../../src/quiz/demo-model.js';
import { useTestDatabase } from '../../helpers/db.js';
import { callsOf, startPipeline, type Pipeline } from './harness.js';

const getDb = useTestDatabase();
let p: Pipeline;

beforeAll(async () => {
  p = await startPipeline(getDb().database);
});
afterAll(async () => {
  if (p !== undefined) await p.stop();
});

const started = (jobId: number) => ({ jobId, batchId: null, jobAttempt: 1, epoch: 0, kind: 'generate', model: 'm', promptVersion: 'v', messages: [] });
const call = (jobId: number): ModelCallInput => ({ ...started(jobId), ...NOT_ANSWERED, counted: true });

describe('model call records', () => {
  it('are numbered uniquely per job even when two holders record at once', async () => {
    const database = getDb().database;
    const jobId = 999_001;
    let second: Promise<{ n: number }> | undefined;
    const first = await database.transaction(async (tx) => {
      const a = await insertModelCall(tx, call(jobId));
      // Another holder records while the first record is not yet committed.
      second = insertModelCall(database.db, call(jobId));
      await new Promise((r) => setTimeout(r, 300));
      return a;
    });
    const b = await (second as Promise<{ n: number }>);
    expect([first.n, b.n].sort()).toEqual([1, 2]);
    const rows = await queryRows(database.db, sql`select n from model_calls where job_id = ${jobId} order by n`);
    expect(rows.map((r) => Number(r.n))).toEqual([1, 2]);
  });

  it('count a call whose outcome was never recorded (its worker died) against the cap', async () => {
    const db = getDb().database.db;
    const jobId = 999_002;
    const start = started(jobId);
    const reserve = { tenant: 'default', tokens: 10, usd: 0.001 };
    const first = await startModelCall(db, start, 2, reserve);
    expect(first).toMatchObject({ kind: 'started', record: { n: 1, counted: true, finishedAt: null, error: { kind: 'no_outcome' } } });
    expect(await startModelCall(db, start, 2, reserve)).toMatchObject({ record: { n: 2 } });
    // The budget of 2 is spent by two calls nobody heard back from: a third is refused.
    expect(await startModelCall(db, start, 2, reserve)).toEqual({ kind: 'refused', by: 'attempts' });
    expect(await countBudgetUsed(db, jobId, 0)).toBe(2);
    // A new epoch (a DLQ replay) has its own budget.
    expect(await startModelCall(db, { ...start, epoch: 1 }, 2, reserve)).toMatchObject({ record: { n: 3, epoch: 1 } });
  });

  it('exist, as started and counted, while the request is with the provider', async () => {
    const database = getDb().database;
    const during: Array<Record<string, unknown>> = [];
    p.script(async ({ body }) => {
      const rows = await queryRows(
        database.db,
        sql`select n, counted, error, raw_output from model_calls where batch_id in (select id from batches where request->>'topic' = 'Recorded first') order by id`,
      );
      during.push(...rows);
      const ask = readAsk(body);
      return { content: answerText(Array.from({ length: ask.count }, (_, i) => demoQuestion(ask.topic, i + 1, ask.options))) };
    });
    const batch = await p.submit({ topic: 'Recorded first', count: 2, maxAttempts: 1 });
    const done = await p.waitFor(batch.id, ['succeeded', 'failed']);
    expect(done.status).toBe('succeeded');
    expect(during).toHaveLength(1);
    expect(during[0]).toMatchObject({ n: 1, counted: true, raw_output: null, error: { kind: 'no_outcome' } });
    const after = await queryRows(database.db, sql`select n, counted, error, raw_output from model_calls where batch_id = ${batch.id}`);
    expect(after).toHaveLength(1);
    expect(after[0]).toMatchObject({ n: 1, counted: true, error: null });
    expect(after[0]?.raw_output).toEqual(expect.any(String));
  });
});

describe('outcome writes beside the next step (CallLedger)', () => {
  it("a first run's chunk result carries the usage its calls recorded, and it completes only once every outcome is written", async () => {
    const topic = 'Glaciers';
    let n = 0;
    p.script(({ body }) => {
      const ask = readAsk(body);
      const qs = Array.from({ length: ask.count }, () => demoQuestion(topic, ++n));
      // The first answer breaks position 1, so the chunk makes a repair call as well.
      const content = ask.repair ? qs : qs.map((q, i) => (i === 1 ? { ...q, correctAnswer: 9 } : q));
      return { content: answerText(content), usage: { promptTokens: 70 + ask.count, completionTokens: 30 * ask.count } };
    });
    const batch = await p.submit({ topic, count: 4, verify: 'best-effort' });
    const done = await p.waitFor(batch.id, ['succeeded', 'failed']);
    expect(done.status).toBe('succeeded');
    const chunk = done.jobs.find((j) => j.kind === 'chunk');
    const calls = await callsOf(getDb().database, chunk?.id ?? -1);
    expect(calls.map((c) => c.kind)).toEqual(['generate', 'repair', 'verify']);
    // Every call's outcome landed before the job completed: none is left "sent, no outcome".
    expect(calls.every((c) => c.finished_at !== null && c.error === null)).toBe(true);
    const result = (await p.engine.getJob(chunk?.id ?? -1))?.result as { usage: unknown };
    const recorded = await usageByJob(getDb().database.db, chunk?.id ?? -1);
    expect(recorded.modelCalls).toBe(3);
    expect(recorded.completionTokens).toBeGreaterThan(0);
    expect(result.usage).toEqual(recorded);
  });
});
