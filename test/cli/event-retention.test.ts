import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { createPipelineWorkers } from '../../src/cli/pipeline-workers.js';
import { openRuntime } from '../../src/cli/runtime.js';
import { loadConfig } from '../../src/config.js';
import { queryRows } from '../../src/db/rows.js';
import { createLogger } from '../../src/log.js';
import { createTestDatabase } from '../helpers/db.js';

const HOUR = 3600_000;
const AGES_HOURS = [2, 200, 800];

/**
 * The retention setting must reach the pruning the workers do: a runtime built from
 * `QUIZFORGE_EVENT_RETENTION_HOURS` starts a worker, which is the only pruning loop.
 */
async function survivorsWith(retentionHours: string): Promise<number[]> {
  const t = await createTestDatabase();
  const rt = await openRuntime(loadConfig({ DATABASE_URL: t.url, QUIZFORGE_EVENT_RETENTION_HOURS: retentionHours }), createLogger({ level: 'silent' }), {
    migrate: false,
    name: 'retention-test',
  });
  try {
    expect(rt.engine.config.eventRetentionMs).toBe(Number(retentionHours) * HOUR);
    for (const h of [...AGES_HOURS].sort((a, b) => b - a)) {
      await rt.database.db.execute(
        sql`INSERT INTO job_events (type, data, created_at) VALUES ('test', ${JSON.stringify({ h })}::jsonb, now() - make_interval(hours => ${h}))`,
      );
    }
    const worker = rt.engine.createWorker({ tasks: { 'retention-test': { handler: async () => undefined } }, reaperIntervalMs: 20 });
    await worker.start();
    const ages = async () =>
      (await queryRows(rt.database.db, sql`SELECT (data->>'h')::int AS h FROM job_events WHERE type = 'test' ORDER BY 1`)).map((r) => Number(r.h));
    const deadline = Date.now() + 10_000;
    const expected = AGES_HOURS.filter((h) => h * HOUR < Number(retentionHours) * HOUR);
    let seen = await ages();
    while (seen.length !== expected.length && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
      seen = await ages();
    }
    // Settle: a prune with the wrong setting would remove more.
    await new Promise((r) => setTimeout(r, 200));
    seen = await ages();
    await worker.stop({ graceMs: 100 });
    return seen;
  } finally {
    await rt.close();
    await t.drop();
  }
}

describe('QUIZFORGE_EVENT_RETENTION_HOURS', () => {
  it('1 h: the worker prunes a 2-hour-old event', async () => {
    expect(await survivorsWith('1')).toEqual([]);
  }, 30_000);

  it('720 h: the worker keeps a 200-hour-old event (older than the engine default of 7 days)', async () => {
    expect(await survivorsWith('720')).toEqual([2, 200]);
  }, 30_000);
});

describe('QUIZFORGE_RETENTION_DAYS', () => {
  it('defaults to off; 30 days: the pipeline worker purges a 40-day-old finished batch and keeps a 20-day-old one', async () => {
    expect(loadConfig({}).retentionMs).toBe(0);
    const t = await createTestDatabase();
    const rt = await openRuntime(loadConfig({ DATABASE_URL: t.url, QUIZFORGE_RETENTION_DAYS: '30' }), createLogger({ level: 'silent' }), {
      migrate: false,
      name: 'batch-retention-test',
    });
    try {
      expect(rt.config.retentionMs).toBe(30 * 24 * HOUR);
      for (const [id, days] of [['old', 40], ['young', 20]] as const) {
        await rt.database.db.execute(
          sql`INSERT INTO batches (id, request, request_hash, updated_at) VALUES (${id}, '{}'::jsonb, 'h', now() - make_interval(days => ${days}))`,
        );
      }
      const ids = async () => (await queryRows(rt.database.db, sql`SELECT id FROM batches ORDER BY id`)).map((r) => String(r.id));
      const workers = createPipelineWorkers(rt, 1);
      await workers.start();
      const deadline = Date.now() + 15_000;
      while ((await ids()).includes('old') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      await workers.stop({ graceMs: 100 });
      expect(await ids()).toEqual(['young']);
    } finally {
      await rt.close();
      await t.drop();
    }
  }, 30_000);
});
