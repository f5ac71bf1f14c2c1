/**
 * `npm run bench:events`: the cost of SSE replay from an old cursor on a large journal. Seeds a
 * fresh database with N job events (BENCH_EVENTS, default 1,000,000), then reads pages of 500
 * from cursor 0 onwards (`readEventsAfter`, the statement `Last-Event-ID` replay uses) and prints
 * the time per page and the journal rows each page read (per-transaction table statistics).
 */
import { sql } from 'drizzle-orm';
import { migrateDatabase, openDatabase } from '../../src/db/client.js';
import { readEventsAfter } from '../../src/db/jobs/events.js';
import { queryRows } from '../../src/db/rows.js';
import { dropDatabase, freshDatabase } from '../db.js';
import { round } from '../stats.js';

const N = Number(process.env.BENCH_EVENTS ?? 1_000_000);
const PAGES = Number(process.env.BENCH_EVENT_PAGES ?? 20);
const LIMIT = 500;
const log = (msg: string) => process.stderr.write(`[bench:events] ${msg}\n`);

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

async function main(): Promise<void> {
  const dbName = 'qf_bench_events';
  const url = await freshDatabase(dbName);
  // Seeding a million rows takes longer than the service's default statement timeout.
  const database = await openDatabase({ url, timeouts: { statementMs: 0 } });
  try {
    await migrateDatabase(database);
    log(`seeding ${N.toLocaleString('en')} events`);
    await queryRows(database.db, sql`INSERT INTO job_events (type, created_at) SELECT 'bulk', now() - interval '1 hour' FROM generate_series(1, ${N}::int)`);
    await queryRows(database.db, sql`ANALYZE job_events`);
    const times: number[] = [];
    const reads: number[] = [];
    let cursor = 0;
    for (let i = 0; i < PAGES; i++) {
      const started = performance.now();
      const { page, read } = await database.transaction(async (tx) => {
        const events = await readEventsAfter(tx, { afterId: cursor, limit: LIMIT, gapGraceMs: 3_000 });
        const [stats] = await queryRows(
          tx,
          sql`SELECT coalesce(seq_tup_read, 0) + coalesce(idx_tup_fetch, 0) AS n FROM pg_stat_xact_user_tables WHERE relname = 'job_events'`,
        );
        return { page: events, read: Number(stats?.n ?? 0) };
      });
      times.push(performance.now() - started);
      reads.push(read);
      cursor = page.at(-1)?.id ?? cursor;
      if (page.length < LIMIT) break;
    }
    const sorted = [...times].sort((a, b) => a - b);
    console.log(`journal ${N.toLocaleString('en')} events, ${times.length} pages of ${LIMIT} from cursor 0`);
    console.log(`per page: p50 ${round(percentile(sorted, 50), 2)} ms, p99 ${round(percentile(sorted, 99), 2)} ms, max ${round(sorted.at(-1) ?? 0, 2)} ms`);
    // The counter accumulates over the pooled session on this PostgreSQL, so a page's reads are the difference.
    const perPage = reads.map((r, i) => r - (i === 0 ? 0 : (reads[i - 1] ?? 0)));
    console.log(`journal rows read per page: max ${Math.max(...perPage).toLocaleString('en')} (a page is ${LIMIT}; the gap check reads about one more page)`);
  } finally {
    await database.close();
    await dropDatabase(dbName);
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
