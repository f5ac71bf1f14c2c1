import { sql } from 'drizzle-orm';
import type { Database } from '../../src/db/client.js';
import { toEvent } from '../../src/db/jobs/rows.js';
import { queryRows, toInt } from '../../src/db/rows.js';
import { createEngine, type Engine } from '../../src/engine/index.js';
import type { EngineConfig } from '../../src/engine/config.js';
import type { EngineEvent } from '../../src/engine/types.js';

/** An engine over the test database with fast timings; each test uses its own queue names. */
export function testEngine(database: Database, config: Partial<EngineConfig> = {}): Engine {
  return createEngine({
    database,
    config: { retryBaseMs: 50, retryMaxMs: 200, leaseMs: 5_000, heartbeatMs: 1_000, pollMs: 200, ...config },
  });
}

let counter = 0;
/** A queue name no other test in the file uses. */
export function uniqueQueue(prefix = 'q'): string {
  counter++;
  return `${prefix}_${process.pid}_${counter}_${Math.random().toString(36).slice(2, 7)}`;
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Polls `check` until it returns a value (not undefined/false) or the time runs out. */
export async function waitFor<T>(check: () => Promise<T | undefined | false>, timeoutMs = 10_000, stepMs = 20): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > until) throw new Error(`waitFor: condition not met within ${timeoutMs} ms`);
    await sleep(stepMs);
  }
}

/**
 * The event journal of some jobs, in id order, read straight from the table (readAfter would
 * pause at a recent rollback's id gap, which is its job; see events.test.ts).
 */
export async function eventsOf(database: Database, jobIds: readonly number[]): Promise<EngineEvent[]> {
  const rows = await queryRows(
    database.db,
    sql`SELECT * FROM job_events WHERE job_id IN (SELECT (jsonb_array_elements_text(${JSON.stringify(jobIds)}::jsonb))::bigint) ORDER BY id`,
  );
  return rows.map(toEvent);
}

/** Forces a running job's lease into the past (simulates a worker that stalled past its lease). */
export async function expireLease(database: Database, jobId: number): Promise<void> {
  await queryRows(database.db, sql`UPDATE jobs SET lease_expires_at = now() - interval '1 second' WHERE id = ${jobId}`);
}

export async function count(database: Database, query: ReturnType<typeof sql>): Promise<number> {
  const rows = await queryRows(database.db, query);
  return toInt(rows[0]?.n ?? 0, 'n');
}
