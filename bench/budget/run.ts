/**
 * `npm run bench:budget`: 4 `quizforge worker` processes × concurrency 8 race on one tenant with a
 * small daily budget, over demo batches answered by a scripted model (gpt-4o-mini prices from the
 * catalog) after L ms. A monitor reads the tenant's ledger every few ms. Prints the limit, the
 * final spend, the most the spend ever exceeded the limit (in dollars and in reservations), and the
 * most calls in flight. Two cases: the provider reports honest usage (within each call's worst case),
 * and an over-reporting provider (every count ×BENCH_BUDGET_OVERRUN, default 1.5) — the case where
 * a reservation does not cover its call and spend can pass the limit, by at most the calls in flight.
 * Env: BENCH_BUDGET_USD (0.02), BENCH_BUDGET_BATCHES (40), BENCH_BUDGET_LATENCY_MS (150),
 * BENCH_PROCESSES (4), BENCH_CONCURRENCY (8).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { sql } from 'drizzle-orm';
import { setTenantBudget } from '../../src/accounts/budgets.js';
import { DEFAULT_TENANT } from '../../src/accounts/tenants.js';
import { migrateDatabase, openDatabase, type Database } from '../../src/db/client.js';
import { queryOne, toInt } from '../../src/db/rows.js';
import { createEngine } from '../../src/engine/index.js';
import { startScriptedServer, type ScriptedReply } from '../../src/model/scripted-server.js';
import { DEMO_BATCHES, demoScript } from '../../src/quiz/demo-scenarios.js';
import { createQuizService } from '../../src/quiz/service.js';
import { BatchRequestSchema } from '../../schemas/batch-request.js';
import { dropDatabase, freshDatabase } from '../db.js';
import { round, sleep } from '../stats.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const log = (msg: string) => process.stderr.write(`[bench:budget] ${msg}\n`);
const limitUsd = Number(process.env.BENCH_BUDGET_USD ?? 0.02);
const batches = Number(process.env.BENCH_BUDGET_BATCHES ?? 40);
const latencyMs = Number(process.env.BENCH_BUDGET_LATENCY_MS ?? 150);
const processes = Number(process.env.BENCH_PROCESSES ?? 4);
const concurrency = Number(process.env.BENCH_CONCURRENCY ?? 8);
const overrun = Number(process.env.BENCH_BUDGET_OVERRUN ?? 1.5);

interface Ledger {
  spent: number;
  reserved: number;
  inFlight: number;
  /** The largest worst case among the calls in flight. */
  maxReservation: number;
}

async function ledger(database: Database): Promise<Ledger> {
  const row = await queryOne(
    database.db,
    sql`select coalesce((select sum(spent_usd) from tenant_spend where tenant = ${DEFAULT_TENANT}), 0)::float8 as spent,
               coalesce((select sum(reserved_usd) from tenant_spend where tenant = ${DEFAULT_TENANT}), 0)::float8 as reserved,
               (select count(*) from model_calls where finished_at is null and reserved_tokens > 0)::int as in_flight,
               coalesce((select max(reserved_usd) from model_calls where finished_at is null), 0)::float8 as max_reservation`,
  );
  return { spent: Number(row?.spent ?? 0), reserved: Number(row?.reserved ?? 0), inFlight: toInt(row?.in_flight ?? 0, 'in_flight'), maxReservation: Number(row?.max_reservation ?? 0) };
}

/** Jobs that may still make a call (an assemble behind a dead chunk waits for good, and is not one). */
async function activeJobs(database: Database): Promise<number> {
  const row = await queryOne(database.db, sql`select count(*)::int as n from jobs where state in ('ready', 'running')`);
  return toInt(row?.n ?? 0, 'n');
}

async function runCase(name: string, factor: number): Promise<void> {
  const dbName = 'qf_bench_budget';
  const url = await freshDatabase(dbName);
  const database = await openDatabase({ url });
  await migrateDatabase(database);
  const engine = createEngine({ database });
  const script = demoScript();
  let inFlight = 0;
  let maxInFlightAtServer = 0;
  const model = await startScriptedServer(async (req) => {
    inFlight += 1;
    maxInFlightAtServer = Math.max(maxInFlightAtServer, inFlight);
    setTimeout(() => (inFlight -= 1), latencyMs);
    const reply = (await script(req)) as ScriptedReply & { usage?: { promptTokens: number; completionTokens: number } };
    const max = Number((req.body as { max_completion_tokens?: number }).max_completion_tokens ?? 0);
    // Honest: what the demo model says, never over the call's cap. Over-reporting: ×factor of the cap.
    const completion = factor === 1 ? Math.min(reply.usage?.completionTokens ?? 0, max) : Math.ceil(max * factor);
    const prompt = Math.ceil(JSON.stringify(req.body.messages).length / (factor === 1 ? 4 : 3 / factor));
    return 'content' in reply ? { ...reply, usage: { promptTokens: prompt, completionTokens: completion }, delayMs: latencyMs } : { ...reply, delayMs: latencyMs };
  });
  const quiz = createQuizService({ engine, database });
  for (let i = 0; i < batches; i++) await quiz.submit(BatchRequestSchema.parse(DEMO_BATCHES.success.request));
  await setTenantBudget(database.db, DEFAULT_TENANT, { usd: limitUsd, per: 'day' });
  const { QUIZFORGE_MODEL: _model, ...inherited } = process.env;
  const env = { ...inherited, DATABASE_URL: url, OPENAI_BASE_URL: model.url, OPENAI_API_KEY: 'bench', QUIZFORGE_MODEL_MODE: 'live', LOG_LEVEL: 'error' };
  const workers: ChildProcess[] = Array.from({ length: processes }, () =>
    spawn(process.execPath, ['bin/quizforge.js', 'worker', '--concurrency', String(concurrency)], { cwd: ROOT, env, stdio: ['ignore', 'ignore', 'inherit'] }),
  );
  let maxOver = 0;
  let maxOverInReservations = 0;
  let maxInFlight = 0;
  let maxReservation = 0;
  let maxHeld = 0;
  const started = Date.now();
  try {
    for (;;) {
      const l = await ledger(database);
      maxInFlight = Math.max(maxInFlight, l.inFlight);
      maxReservation = Math.max(maxReservation, l.maxReservation);
      maxHeld = Math.max(maxHeld, l.spent + l.reserved);
      const over = l.spent - limitUsd;
      if (over > maxOver) {
        maxOver = over;
        maxOverInReservations = maxReservation > 0 ? over / maxReservation : 0;
      }
      if ((Date.now() - started > 2000 && (await activeJobs(database)) === 0) || Date.now() - started > 180_000) break;
      await sleep(5);
    }
    const final = await ledger(database);
    const calls = model.requests.filter((r) => r.path === '/v1/chat/completions').length;
    const figures = {
      case: name,
      processes,
      concurrency,
      latencyMs,
      limitUsd,
      finalSpentUsd: round(final.spent, 6),
      maxSpentPlusReservedUsd: round(maxHeld, 6),
      maxOvershootUsd: round(Math.max(0, maxOver, final.spent - limitUsd), 6),
      maxOvershootReservations: round(Math.max(maxOverInReservations, maxReservation > 0 ? (final.spent - limitUsd) / maxReservation : 0), 3),
      maxCallsInFlight: Math.max(maxInFlight, maxInFlightAtServer),
      largestReservationUsd: round(maxReservation, 6),
      modelCalls: calls,
      seconds: round((Date.now() - started) / 1000, 1),
    };
    process.stdout.write(`${JSON.stringify(figures)}\n`);
    log(`${name}: limit $${limitUsd}, spent $${figures.finalSpentUsd}, max overshoot $${figures.maxOvershootUsd} (${figures.maxOvershootReservations} reservations), max in flight ${figures.maxCallsInFlight}`);
    if (figures.maxOvershootReservations > figures.maxCallsInFlight) process.exitCode = 1;
  } finally {
    for (const w of workers) w.kill('SIGTERM');
    await Promise.all(workers.map((w) => new Promise((r) => (w.exitCode === null ? w.once('exit', r) : r(null)))));
    await model.close();
    await engine.close();
    await database.close();
    await dropDatabase(dbName);
  }
}

await runCase('honest usage', 1);
await runCase(`provider over-reports ×${overrun}`, overrun);
