/**
 * `npm run bench:sse`: SSE fan-out of one API process (`quizforge serve --no-workers`, a child)
 * to N clients in another process (bench/sse/load.ts). For each client count it measures the
 * API process's memory per idle client, then commits events one at a time (a few per second)
 * and reports commit→delivery p50/p99/max over every (client, event) pair and whether any
 * client missed one. Prints one JSON line per figure on stdout; progress on stderr.
 * BENCH_SSE_CLIENTS=1000,5000 BENCH_SSE_EVENTS=40 BENCH_SSE_RATE=10 (events/s).
 */
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { migrateDatabase, openDatabase } from '../../src/db/client.js';
import { createEngine } from '../../src/engine/index.js';
import { dropDatabase, freshDatabase } from '../db.js';
import { percentile, round, sleep } from '../stats.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const counts = (process.env.BENCH_SSE_CLIENTS ?? '1000,5000').split(',').map(Number);
const EVENTS = Number(process.env.BENCH_SSE_EVENTS ?? 40);
const RATE = Number(process.env.BENCH_SSE_RATE ?? 10);
const log = (msg: string) => process.stderr.write(`[bench:sse] ${msg}\n`);
const emit = (metric: string, value: number, unit: string, clients: number) =>
  process.stdout.write(`${JSON.stringify({ system: 'quizforge', metric, value, unit, clients })}\n`);
const now = () => performance.timeOrigin + performance.now();

function rssKb(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(m?.[1] ?? 0);
}

/** Unauthenticated on loopback, so the load generator sends no key. */
function withoutKeys(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env.QUIZFORGE_API_KEYS;
  delete env.QUIZFORGE_ADMIN_KEYS;
  return env;
}

async function startApi(url: string): Promise<{ proc: ChildProcess; base: string }> {
  const proc = spawn(process.execPath, ['bin/quizforge.js', 'serve', '--no-workers', '--port', '0'], {
    cwd: ROOT,
    env: { ...withoutKeys(), DATABASE_URL: url, LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let out = '';
  const base = await new Promise<string>((resolve, reject) => {
    proc.stderr?.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /listening on (http:\/\/[\d.:]+)/.exec(out);
      if (m?.[1]) resolve(m[1]);
    });
    proc.once('exit', (code) => reject(new Error(`serve exited (${code}): ${out}`)));
  });
  return { proc, base };
}

function ask<T>(child: ChildProcess, msg: object): Promise<T> {
  return new Promise((resolve) => {
    child.once('message', (m) => resolve(m as T));
    child.send(msg);
  });
}

async function main(): Promise<void> {
  const dbName = 'qf_bench_sse';
  const url = await freshDatabase(dbName);
  const database = await openDatabase({ url });
  await migrateDatabase(database);
  const engine = createEngine({ database });
  const api = await startApi(url);
  const load = fork(fileURLToPath(new URL('./load.ts', import.meta.url)), [], { execArgv: ['--import', 'tsx'], stdio: 'inherit' });
  try {
    for (const n of counts) {
      await sleep(1000);
      const before = rssKb(api.proc.pid!);
      const t0 = Date.now();
      const { connected } = await ask<{ connected: number }>(load, { cmd: 'connect', url: `${api.base}/v1/events`, n });
      log(`${connected}/${n} clients connected in ${Date.now() - t0} ms`);
      await sleep(2000);
      const idle = rssKb(api.proc.pid!);
      emit('memory_per_idle_client', round(((idle - before) * 1024) / n / 1024, 1), 'KiB', n);

      const committed = new Map<number, number>();
      for (let i = 0; i < EVENTS; i++) {
        await engine.enqueue({ queue: 'bench-sse', payload: { i } });
        const at = now();
        committed.set(await engine.events.latestId(), at);
        await sleep(1000 / RATE);
      }
      await sleep(3000);
      const res = await ask<{ clients: number; perClient: number[]; arrivals: Array<[number, number[]]> }>(load, { cmd: 'collect' });
      const lat: number[] = [];
      for (const [id, times] of res.arrivals) {
        const c = committed.get(id);
        if (c !== undefined) for (const t of times) lat.push(t - c);
      }
      const expected = n * committed.size;
      const missing = res.perClient.filter((k) => k < committed.size).length;
      log(`${n} clients: ${lat.length}/${expected} deliveries, ${missing} clients short`);
      emit('delivery_p50', round(percentile(lat, 50), 1), 'ms', n);
      emit('delivery_p99', round(percentile(lat, 99), 1), 'ms', n);
      emit('delivery_max', round(lat.reduce((a, b) => Math.max(a, b), 0), 1), 'ms', n);
      emit('deliveries_missing', expected - lat.length, 'count', n);
      await ask(load, { cmd: 'close' });
    }
  } finally {
    load.kill();
    api.proc.kill('SIGTERM');
    await engine.close();
    await database.close();
    await sleep(500);
    await dropDatabase(dbName).catch(() => undefined);
  }
}

await main();
