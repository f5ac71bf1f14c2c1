/**
 * `npm run bench`: quizforge beside graphile-worker and pg-boss on the same PostgreSQL, each
 * system in its own fresh database. Prints one JSON line per figure on stdout
 * (`{ system, metric, value, unit, n }`); progress and a summary go to stderr. See bench/RESULTS.md.
 */
import { readConfig, type BenchConfig } from './config.js';
import { dropDatabase, freshDatabase, serverVersion, vacuumAnalyze } from './db.js';
import { measureDrain, measureEnqueue, measureLatency, preload } from './phases.js';
import { median, round } from './stats.js';
import { loadSystem, type BenchSystem, type SystemName } from './system.js';

type Metric = 'enqueue' | 'drain_1proc' | 'drain_2proc' | 'latency_p50' | 'latency_p99';
interface Figure {
  system: SystemName;
  metric: Metric;
  value: number;
  unit: 'jobs/s' | 'ms';
  n: number;
}

const log = (msg: string) => process.stderr.write(`[bench] ${msg}\n`);

async function withFreshDb<T>(system: BenchSystem, fn: (url: string) => Promise<T>): Promise<T> {
  const dbName = `qf_bench_${system.name}`;
  const url = await freshDatabase(dbName);
  try {
    await system.install(url);
    return await fn(url);
  } finally {
    await dropDatabase(dbName);
  }
}

async function benchSystem(system: BenchSystem, cfg: BenchConfig, record: (f: Figure) => void): Promise<void> {
  const n = cfg.jobs;
  const wants = (p: string) => cfg.phases.some((x) => x === p);

  if (wants('enqueue') || wants('drain_1proc')) {
    await withFreshDb(system, async (url) => {
      const client = await system.openClient(url);
      try {
        if (wants('enqueue')) {
          const rate = await measureEnqueue(client, n);
          record({ system: system.name, metric: 'enqueue', value: rate, unit: 'jobs/s', n });
        } else {
          await preload(client, n);
        }
        if (wants('drain_1proc')) {
          await vacuumAnalyze(url);
          const d = await measureDrain(system.name, url, client, n, 1);
          log(`${system.name} drain_1proc: ${Math.round(d.jobsPerSecFromGo)} jobs/s counted from worker start`);
          record({ system: system.name, metric: 'drain_1proc', value: d.jobsPerSec, unit: 'jobs/s', n });
        }
      } finally {
        await client.close();
      }
    });
  }

  if (wants('drain_2proc')) {
    await withFreshDb(system, async (url) => {
      const client = await system.openClient(url);
      try {
        await preload(client, n);
        await vacuumAnalyze(url);
        const d = await measureDrain(system.name, url, client, n, 2);
        log(`${system.name} drain_2proc: ${Math.round(d.jobsPerSecFromGo)} jobs/s counted from worker start`);
        record({ system: system.name, metric: 'drain_2proc', value: d.jobsPerSec, unit: 'jobs/s', n });
      } finally {
        await client.close();
      }
    });
  }

  if (wants('latency')) {
    await withFreshDb(system, async (url) => {
      const client = await system.openClient(url);
      try {
        const l = await measureLatency(system.name, url, client, cfg.latencyJobs, cfg.latencyWarmup, cfg.latencyGapMs);
        log(`${system.name} latency: max ${round(l.max, 2)} ms`);
        const m = cfg.latencyJobs;
        record({ system: system.name, metric: 'latency_p50', value: l.p50, unit: 'ms', n: m });
        record({ system: system.name, metric: 'latency_p99', value: l.p99, unit: 'ms', n: m });
      } finally {
        await client.close();
      }
    });
  }
}

function print(f: Figure): void {
  const value = f.unit === 'ms' ? round(f.value, 2) : Math.round(f.value);
  process.stdout.write(`${JSON.stringify({ system: f.system, metric: f.metric, value, unit: f.unit, n: f.n })}\n`);
}

function summarize(figures: Figure[]): void {
  const get = (s: SystemName, m: Metric) => figures.find((f) => f.system === s && f.metric === m)?.value;
  for (const m of ['drain_1proc', 'drain_2proc'] as const) {
    const q = get('quizforge', m);
    const g = get('graphile', m);
    const b = get('pgboss', m);
    if (q === undefined) continue;
    const parts = [`${m}: quizforge ${Math.round(q)}`];
    if (g !== undefined) parts.push(`vs graphile ${Math.round(g)} (${round(q / g, 2)}x, target >= 1)`);
    if (b !== undefined) parts.push(`vs pg-boss ${Math.round(b)} (${round(q / b, 2)}x, target >= 1.3)`);
    log(parts.join(', '));
  }
  const p99 = get('quizforge', 'latency_p99');
  if (p99 !== undefined) log(`latency_p99: quizforge ${round(p99, 2)} ms (target < 10)`);
}

async function main(): Promise<void> {
  const cfg = readConfig();
  const systems = await Promise.all(cfg.systems.map((s) => loadSystem(s)));
  log(`node ${process.version}; ${await serverVersion()}`);
  for (const s of systems) log(`${s.name} ${s.version} ${JSON.stringify(s.settings)}`);
  log(`jobs ${cfg.jobs}, latency jobs ${cfg.latencyJobs} (+${cfg.latencyWarmup} warm-up, gap ${cfg.latencyGapMs} ms), rounds ${cfg.rounds}`);

  const all: Figure[] = [];
  for (let r = 0; r < cfg.rounds; r++) {
    for (const system of systems) {
      log(`round ${r + 1}/${cfg.rounds}: ${system.name}`);
      await benchSystem(system, cfg, (f) => {
        all.push(f);
        if (cfg.rounds === 1) print(f);
        else log(`  ${f.metric} ${round(f.value, 2)} ${f.unit}`);
      });
    }
  }
  let figures = all;
  if (cfg.rounds > 1) {
    figures = [];
    for (const f of all) {
      if (figures.some((x) => x.system === f.system && x.metric === f.metric)) continue;
      const values = all.filter((x) => x.system === f.system && x.metric === f.metric).map((x) => x.value);
      const m = median(values);
      figures.push({ ...f, value: m });
      print({ ...f, value: m });
    }
  }
  summarize(figures);
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    // Keep it readable: a failed bulk query's message embeds all its parameters.
    const text = err instanceof Error ? (err.stack ?? err.message) : String(err);
    const cause = err instanceof Error && err.cause instanceof Error ? `\ncause: ${err.cause.message}` : '';
    process.stderr.write(`[bench] failed: ${text.length > 2000 ? `${text.slice(0, 2000)}…` : text}${cause}\n`);
    process.exit(1);
  },
);
