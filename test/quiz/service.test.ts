import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { useTestDatabase } from '../helpers/db.js';
import { createEngine, InvalidCursorError, NotDeadError } from '../../src/engine/index.js';
import type { Job } from '../../src/engine/types.js';
import { DEFAULT_QUIZ_CONFIG } from '../../src/quiz/config.js';
import { IdempotencyConflictError } from '../../src/quiz/errors.js';
import { deriveStatus } from '../../src/quiz/present.js';
import { createQuizService } from '../../src/quiz/service.js';
import { BatchRequestSchema } from '../../schemas/batch-request.js';

const getDb = useTestDatabase();

function setup() {
  const database = getDb().database;
  const engine = createEngine({ database });
  const service = createQuizService({ engine, database, config: { ...DEFAULT_QUIZ_CONFIG, chunkSize: 4 } });
  return { engine, service };
}

const req = (topic: string, count = 10) => BatchRequestSchema.parse({ topic, count });

describe('the batch service', () => {
  it('creates the DAG in one go: chunks of at most QUIZFORGE_CHUNK_SIZE and one assemble, grouped by batch', async () => {
    const { engine, service } = setup();
    const { created, batch } = await service.submit(req('Graph'));
    expect(created).toBe(true);
    expect(batch).toMatchObject({ status: 'queued', questions: null, usage: { promptTokens: 0, completionTokens: 0, modelCalls: 0 } });
    expect(batch.request).toEqual({ topic: 'Graph', count: 10, difficulty: 'medium', options: 4, language: 'en', maxAttempts: 3 });
    const jobs = await engine.listJobs({ groupId: batch.id });
    expect(jobs.map((j) => [j.queue, j.state])).toEqual([
      ['quiz.chunk', 'ready'],
      ['quiz.chunk', 'ready'],
      ['quiz.chunk', 'ready'],
      ['quiz.assemble', 'waiting'],
    ]);
    expect(jobs.slice(0, 3).map((j) => (j.payload as { count: number }).count)).toEqual([4, 4, 2]);
    expect(jobs.every((j) => j.maxAttempts === DEFAULT_QUIZ_CONFIG.jobMaxAttempts)).toBe(true);
  });

  it('concurrent submits with one idempotency key create one batch', async () => {
    const { engine, service } = setup();
    const results = await Promise.all(Array.from({ length: 6 }, () => service.submit(req('Race'), { idempotencyKey: 'race-key' })));
    expect(results.filter((r) => r.created)).toHaveLength(1);
    expect(new Set(results.map((r) => r.batch.id)).size).toBe(1);
    expect(await engine.listJobs({ groupId: results[0]?.batch.id ?? '' })).toHaveLength(4);
    const conflict = await service.submit(req('Race', 11), { idempotencyKey: 'race-key' }).catch((e: unknown) => e);
    expect(conflict).toBeInstanceOf(IdempotencyConflictError);
    expect((conflict as IdempotencyConflictError).batchId).toBe(results[0]?.batch.id);
  });

  it('lists newest first with a stable cursor, and rejects a forged one', async () => {
    const { service } = setup();
    const ids: string[] = [];
    for (let i = 0; i < 5; i += 1) ids.push((await service.submit(req(`Page ${i}`, 1))).batch.id);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page = await service.list(cursor === null ? { limit: 2 } : { limit: 2, cursor });
      seen.push(...page.items.map((i) => i.id));
      cursor = page.nextCursor;
    } while (cursor !== null);
    const mine = seen.filter((id) => ids.includes(id));
    expect(mine).toEqual([...ids].reverse());
    expect(new Set(seen).size).toBe(seen.length);
    await expect(service.list({ cursor: 'not-a-cursor' })).rejects.toBeInstanceOf(InvalidCursorError);
    await expect(service.list({ limit: 0 })).rejects.toBeInstanceOf(RangeError);
    expect(await service.get('no-such-batch')).toBeNull();
  });

  it('DLQ operations on a job that is not dead are refused', async () => {
    const { service } = setup();
    const { batch } = await service.submit(req('Alive', 1));
    const id = batch.jobs[0]?.id ?? -1;
    expect(await service.dlqGet(id)).toBeNull();
    await expect(service.dlqReplay(id)).rejects.toBeInstanceOf(NotDeadError);
    await expect(service.dlqDiscard(id)).rejects.toBeInstanceOf(NotDeadError);
    await expect(service.dlqReplay(987654)).rejects.toBeInstanceOf(NotDeadError);
  });

  it('never reads a batch as succeeded without its questions, whatever commits between its reads', async () => {
    // The assemble job's completion writes the questions and marks the jobs succeeded in one
    // transaction. Read side by side, the jobs could see that commit while the questions did not.
    // Here the commit is held open with the jobs table locked, so a read of the jobs waits for it
    // and any read that does not wait sees the state before it.
    const { service } = setup();
    const { batch } = await service.submit(req('Snapshot', 2));
    const other = new pg.Client({ connectionString: getDb().url });
    await other.connect();
    try {
      await other.query('BEGIN');
      await other.query('LOCK TABLE jobs IN ACCESS EXCLUSIVE MODE');
      await other.query(`UPDATE jobs SET state = 'succeeded', finished_at = now() WHERE group_id = $1`, [batch.id]);
      await other.query(
        `INSERT INTO questions (batch_id, position, question, options, correct_answer, explanation)
         VALUES ($1, 0, 'One?', '["a","b","c","d"]', 0, 'e'), ($1, 1, 'Two?', '["a","b","c","d"]', 1, 'e')`,
        [batch.id],
      );
      const reading = service.get(batch.id);
      await new Promise((r) => setTimeout(r, 300));
      await other.query('COMMIT');
      const view = await reading;
      expect(view?.status).toBe('succeeded');
      expect(view?.questions).toHaveLength(2);
    } finally {
      await other.end();
    }
  });

  it('derives status from job states', () => {
    const job = (state: Job['state'], attempt = 0) => ({ state, attempt }) as Job;
    expect(deriveStatus([job('ready'), job('waiting')])).toBe('queued');
    expect(deriveStatus([job('ready', 1), job('waiting')])).toBe('running');
    expect(deriveStatus([job('succeeded'), job('ready')])).toBe('running');
    expect(deriveStatus([job('dead'), job('blocked')])).toBe('failed');
    expect(deriveStatus([job('succeeded'), job('discarded')])).toBe('failed');
    expect(deriveStatus([job('succeeded'), job('succeeded')])).toBe('succeeded');
  });
});
