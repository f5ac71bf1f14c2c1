import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BatchRequestSchema } from '../../schemas/batch-request.js';
import { LOCK_KEYS } from '../../src/db/client.js';
import { queryRows } from '../../src/db/rows.js';
import { useTestDatabase } from '../helpers/db.js';
import { answerAll, leftovers, startQuizStack, type QuizStack } from '../http/harness.js';

const db = useTestDatabase();
let stack: QuizStack;
const DAY = 86_400_000;

beforeAll(async () => {
  stack = await startQuizStack(db().database);
  stack.script((req) => (JSON.stringify(req.body.messages).includes('Slow') ? { ...answerAll(req), delayMs: 8_000 } : answerAll(req)));
});
afterAll(async () => {
  await stack?.stop();
});

async function finished(topic: string): Promise<string> {
  const { batch } = await stack.service.submit(BatchRequestSchema.parse({ topic, count: 10 }));
  const deadline = Date.now() + 15_000;
  while ((await stack.service.get(batch.id))?.status !== 'succeeded') {
    if (Date.now() > deadline) throw new Error(`batch ${topic} did not finish`);
    await new Promise((r) => setTimeout(r, 20));
  }
  return batch.id;
}
const age = (ids: string[], days: number) =>
  queryRows(db().database.db, sql`UPDATE batches SET updated_at = now() - make_interval(days => ${days}) WHERE id IN (${sql.join(ids.map((i) => sql`${i}`), sql`, `)})`);

describe('retention (QuizService.purgeExpired)', () => {
  it('purges old finished batches with everything derived, in bounded transactions; keeps young and unfinished ones', async () => {
    const old = [await finished('Old one'), await finished('Old two'), await finished('Old three')];
    const young = await finished('Young one');
    const { batch: running } = await stack.service.submit(BatchRequestSchema.parse({ topic: 'Slow old', count: 5 }));
    await age([...old, running.id], 40);
    await age([young], 29);
    const youngBefore = await leftovers(db().database, young);
    const runningBefore = await leftovers(db().database, running.id);
    expect((await leftovers(db().database, old[0] ?? '')).calls).toBeGreaterThan(0);

    // batchSize 2: two transactions (2, then 1) delete the three old batches.
    const res = await stack.service.purgeExpired(30 * DAY, { batchSize: 2 });
    expect(res).toMatchObject({ ran: true, batches: 3, jobs: 9 });
    expect(res.modelCalls).toBeGreaterThanOrEqual(6);
    expect(res.events).toBeGreaterThan(0);
    for (const id of old) expect(await leftovers(db().database, id)).toEqual({ batches: 0, jobs: 0, deps: 0, events: 0, calls: 0, questions: 0 });
    expect(await leftovers(db().database, young)).toEqual(youngBefore);
    expect((await leftovers(db().database, running.id)).batches).toBe(runningBefore.batches);
    expect(await stack.service.get(young)).not.toBeNull();

    // maxRounds bounds one pass: with batchSize 1 and one round, one of two old batches goes.
    const more = [await finished('Old four'), await finished('Old five')];
    await age(more, 40);
    expect(await stack.service.purgeExpired(30 * DAY, { batchSize: 1, maxRounds: 1 })).toMatchObject({ ran: true, batches: 1 });
    expect(await stack.service.purgeExpired(30 * DAY, { batchSize: 1, maxRounds: 1 })).toMatchObject({ ran: true, batches: 1 });
    expect(await stack.service.purgeExpired(30 * DAY)).toMatchObject({ ran: true, batches: 0 });
  });

  it('runs in one process at a time: while another holds the retention lock, a pass skips', async () => {
    const other = await db().open();
    try {
      const id = await finished('Locked old');
      await age([id], 40);
      const inner = await other.exclusive(LOCK_KEYS.retention, { wait: true }, () => stack.service.purgeExpired(30 * DAY));
      expect(inner).toEqual({ ran: true, value: { ran: false, batches: 0, jobs: 0, modelCalls: 0, events: 0 } });
      expect((await leftovers(db().database, id)).batches).toBe(1);
      expect(await stack.service.purgeExpired(30 * DAY)).toMatchObject({ ran: true, batches: 1 });
    } finally {
      await other.close();
    }
  });
});
