import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { sql } from 'drizzle-orm';
import type { Database } from '../../src/db/client.js';
import { queryRows, toInt } from '../../src/db/rows.js';

const CHILD_SCRIPT = fileURLToPath(new URL('./worker-child.ts', import.meta.url));
const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));

export const FAULT_QUEUE = 'fault';

/**
 * The test's own table: `fault_effects` is the effect a handler commits in its completion
 * transaction, one row per job (unique key), with a counter that a second commit would bump
 * instead of failing. Executions are not logged here but on each worker's stdout (synchronous
 * for pipes on Linux, so a line written before SIGKILL arrives), costing no database round trip.
 */
export async function createFaultTables(database: Database): Promise<void> {
  await queryRows(
    database.db,
    sql`create table fault_effects (job_id bigint primary key, pid int not null, commits int not null default 1)`,
  );
}

export interface EffectStats {
  rows: number;
  distinctJobs: number;
  maxCommits: number;
  totalCommits: number;
}

export async function effectStats(database: Database): Promise<EffectStats> {
  const [r] = await queryRows(
    database.db,
    sql`select count(*) as rows, count(distinct job_id) as jobs, coalesce(max(commits), 0) as max, coalesce(sum(commits), 0) as total from fault_effects`,
  );
  return {
    rows: toInt(r?.rows, 'rows'),
    distinctJobs: toInt(r?.jobs, 'jobs'),
    maxCommits: toInt(r?.max, 'max'),
    totalCommits: toInt(r?.total, 'total'),
  };
}

export interface RunStats {
  runs: number;
  jobsRun: number;
  jobsRunMoreThanOnce: number;
}

/** Handler executions reported by these worker processes (killed ones included). */
export function runStats(workers: Iterable<WorkerProcess>): RunStats {
  const perJob = new Map<number, number>();
  let runs = 0;
  for (const w of workers) {
    for (const r of w.runs) {
      runs++;
      perJob.set(r.job, (perJob.get(r.job) ?? 0) + 1);
    }
  }
  return { runs, jobsRun: perJob.size, jobsRunMoreThanOnce: [...perJob.values()].filter((n) => n > 1).length };
}

/** Remembers when a counter last moved, so a timeout can tell "slow" from "stalled". */
export class Progress {
  private last = -1;
  private changedAt = Date.now();
  private readonly startedAt = Date.now();

  see(n: number): number {
    if (n !== this.last) {
      this.last = n;
      this.changedAt = Date.now();
    }
    return n;
  }

  toString(): string {
    return `last value ${this.last}, unchanged for ${Date.now() - this.changedAt} ms (tracking for ${Date.now() - this.startedAt} ms)`;
  }
}

/** What a stalled run looks like from the database: the app's sessions and the running jobs. */
export async function diagnose(database: Database, appName: string): Promise<string> {
  const sessions = await queryRows(
    database.db,
    sql`select pid, application_name as app, state, wait_event_type as wt, wait_event as we,
          round(extract(epoch from clock_timestamp() - xact_start)::numeric, 1) as xact_s, left(query, 60) as query
        from pg_stat_activity where datname = current_database() and application_name like ${`${appName}%`}`,
  );
  const running = await queryRows(
    database.db,
    sql`select id, attempt, locked_by, round(extract(epoch from lease_expires_at - clock_timestamp())::numeric, 1) as lease_left_s
        from jobs where state = 'running' order by id limit 20`,
  );
  return `sessions ${JSON.stringify(sessions)}\nrunning ${JSON.stringify(running)}`;
}

/** Settings the child worker reads from its environment (see worker-child.ts). */
export interface ChildOptions {
  url: string;
  appName: string;
  concurrency: number;
  leaseMs: number;
  heartbeatMs: number;
  pollMs: number;
  reaperIntervalMs: number;
  graceMs: number;
  handlerMinMs: number;
  handlerMaxMs: number;
  /** The handler keeps going after its signal aborts (so a stale completion is attempted). */
  ignoreAbort?: boolean;
}

/** A worker process under test: its exit, and what it wrote (kept for failure messages). */
export class WorkerProcess {
  readonly proc: ChildProcess;
  readonly ready: Promise<void>;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  output = '';
  isReady = false;
  /** One entry per handler execution, from the `run` lines the child prints. */
  readonly runs: Array<{ job: number; attempt: number }> = [];
  /** Jobs whose lease this process found lost (heartbeat, completion or failure refused by the fence). */
  readonly leasesLost: Array<{ job: number; during: string }> = [];
  private partial = '';

  constructor(opts: ChildOptions, script: string[] = ['--import', 'tsx', CHILD_SCRIPT]) {
    this.proc = spawn(process.execPath, script, {
      cwd: REPO_ROOT,
      env: {
        ...process.env,
        NODE_ENV: 'test',
        // These tests kill workers, never PostgreSQL: commits need not wait for the disk, which
        // keeps them fast on a busy machine without changing what the engine guarantees.
        PGOPTIONS: '-c synchronous_commit=off',
        FAULT_DATABASE_URL: opts.url,
        FAULT_APP_NAME: opts.appName,
        FAULT_CONCURRENCY: String(opts.concurrency),
        FAULT_LEASE_MS: String(opts.leaseMs),
        FAULT_HEARTBEAT_MS: String(opts.heartbeatMs),
        FAULT_POLL_MS: String(opts.pollMs),
        FAULT_REAPER_MS: String(opts.reaperIntervalMs),
        FAULT_GRACE_MS: String(opts.graceMs),
        FAULT_HANDLER_MIN_MS: String(opts.handlerMinMs),
        FAULT_HANDLER_MAX_MS: String(opts.handlerMaxMs),
        FAULT_IGNORE_ABORT: opts.ignoreAbort ? '1' : '0',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.exited = new Promise((resolve) => this.proc.once('exit', (code, signal) => resolve({ code, signal })));
    this.ready = new Promise((resolve, reject) => {
      this.proc.stdout?.on('data', (chunk: Buffer) => {
        const lines = (this.partial + chunk.toString()).split('\n');
        this.partial = lines.pop() ?? '';
        for (const line of lines) {
          const msg = parseLine(line);
          if (msg?.event === 'run' && typeof msg.job === 'number' && typeof msg.attempt === 'number') {
            this.runs.push({ job: msg.job, attempt: msg.attempt });
            continue;
          }
          if (msg?.event === 'lease_lost' && typeof msg.job === 'number' && typeof msg.during === 'string') {
            this.leasesLost.push({ job: msg.job, during: msg.during });
          }
          this.output += `${line}\n`;
          if (msg?.event === 'ready' && !this.isReady) {
            this.isReady = true;
            resolve();
          }
        }
      });
      void this.exited.then(({ code, signal }) =>
        reject(new Error(`worker exited before ready (${code ?? signal}):\n${this.tail()}`)),
      );
    });
    // Awaiting `ready` is optional (a replacement may be killed while booting): never unhandled.
    this.ready.catch(() => undefined);
    this.proc.stderr?.on('data', (chunk: Buffer) => {
      this.output += chunk.toString();
    });
  }

  get pid(): number {
    return this.proc.pid ?? -1;
  }

  get alive(): boolean {
    return this.proc.exitCode === null && this.proc.signalCode === null;
  }

  signal(sig: NodeJS.Signals): void {
    if (this.alive) this.proc.kill(sig);
  }

  /** The last lines the process wrote, for assertion messages. */
  tail(lines = 40): string {
    return this.output.split('\n').slice(-lines).join('\n');
  }
}

function parseLine(line: string): Record<string, unknown> | null {
  if (!line.startsWith('{')) return null;
  try {
    const v: unknown = JSON.parse(line);
    return typeof v === 'object' && v !== null ? (v as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Polls `probe` until it returns true; throws with `describe()` when `timeoutMs` passes. */
export async function waitUntil(
  probe: () => Promise<boolean> | boolean,
  timeoutMs: number,
  describe: () => Promise<string> | string,
  everyMs = 50,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms: ${await describe()}`);
    await sleep(everyMs);
  }
}

export function randomBetween(min: number, max: number): number {
  return min + Math.random() * (max - min);
}
