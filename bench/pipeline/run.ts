/**
 * `npm run bench:pipeline`: how close the quiz pipeline comes to its model's limit. A scripted
 * OpenAI-compatible model answers every call after exactly L ms; one `quizforge worker` process
 * runs with concurrency C over B demo batches (two model-bound chunks and one assemble each),
 * all submitted before it starts. The ideal is C calls in flight at all times: C / L calls per
 * second. Prints calls/s and the ratio measured ÷ ideal, from the first model call to the last
 * batch done, the first wave excluded (cold start). BENCH_PIPELINE_CASES="500:8:80,2000:8:24" (L ms : C : batches).
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { sql } from 'drizzle-orm';
import { migrateDatabase, openDatabase, type Database } from '../../src/db/client.js';
import { queryOne, toInt } from '../../src/db/rows.js';
import { createEngine } from '../../src/engine/index.js';
import { startScriptedServer } from '../../src/model/scripted-server.js';
import { DEMO_BATCHES, demoScript } from '../../src/quiz/demo-scenarios.js';
import { createQuizService } from '../../src/quiz/service.js';
import { BatchRequestSchema } from '../../schemas/batch-request.js';
import { dropDatabase, freshDatabase } from '../db.js';
import { round, sleep } from '../stats.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const log = (msg: string) => process.stderr.write(`[bench:pipeline] ${msg}\n`);
const cases = (process.env.BENCH_PIPELINE_CASES ?? '500:8:80,2000:8:24').split(',').map((c) => {
  const [l, cc, b] = c.split(':').map(Number);
  return { latencyMs: l ?? 500, concurrency: cc ?? 8, batches: b ?? 40 };
});

async function succeededBatches(database: Database): Promise<number> {
  const row = await queryOne(database.db, sql`select count(*) as n from jobs where queue = 'quiz.assemble' and state = 'succeeded'`);
  return toInt(row?.n, 'n');
}

async function runCase(latencyMs: number, concurrency: number, batches: number): Promise<void> {
  const dbName = 'qf_bench_pipeline';
  const url = await freshDatabase(dbName);
  const database = await openDatabase({ url });
  await migrateDatabase(database);
  const engine = createEngine({ database });
  const script = demoScript();
  const arrivals: number[] = [];
  const model = await startScriptedServer(async (req) => {
    arrivals.push(Date.now());
    return { ...(await script(req)), delayMs: latencyMs };
  });
  const quiz = createQuizService({ engine, database });
  for (let i = 0; i < batches; i++) await quiz.submit(BatchRequestSchema.parse(DEMO_BATCHES.success.request));
  const env = { ...process.env, DATABASE_URL: url, OPENAI_BASE_URL: model.url, OPENAI_API_KEY: 'bench', QUIZFORGE_MODEL_MODE: 'live', LOG_LEVEL: 'warn' };
  const worker = spawn(process.execPath, [...(process.env.BENCH_PIPELINE_NODE_ARGS?.split(' ').filter(Boolean) ?? []), 'bin/quizforge.js', 'worker', '--concurrency', String(concurrency)], { cwd: ROOT, env, stdio: ['ignore', 'ignore', 'inherit'] });
  try {
    const calls = () => model.requests.filter((r) => r.path === '/v1/chat/completions').length;
    // The first wave pays for the worker's module loading and JIT: the clock starts at the
    // second wave's first call (call C+1), and the first wave's C calls are not counted.
    while (calls() <= concurrency) await sleep(5);
    const t0 = arrivals[concurrency] ?? Date.now();
    while ((await succeededBatches(database)) < batches) await sleep(20);
    const seconds = (Date.now() - t0) / 1000;
    const made = calls() - concurrency;
    const measured = made / seconds;
    const ideal = concurrency / (latencyMs / 1000);
    if (process.env.BENCH_PIPELINE_TRACE) log(`call starts (ms after the first): ${arrivals.map((a) => a - t0).join(' ')}`);
    log(`L=${latencyMs} ms C=${concurrency}: ${batches} batches, ${made} model calls in ${round(seconds, 2)} s`);
    process.stdout.write(
      `${JSON.stringify({ system: 'quizforge', metric: 'pipeline_ratio', latencyMs, concurrency, batches, calls: made, callsPerSec: round(measured, 2), ideal: round(ideal, 2), value: round(measured / ideal, 3) })}\n`,
    );
  } finally {
    worker.kill('SIGTERM');
    await new Promise((r) => worker.once('exit', r));
    await model.close();
    await engine.close();
    await database.close();
    if (!process.env.BENCH_PIPELINE_KEEP) await dropDatabase(dbName);
  }
}

for (const c of cases) await runCase(c.latencyMs, c.concurrency, c.batches);
