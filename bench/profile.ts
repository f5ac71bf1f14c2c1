/**
 * BENCH_PROFILE=1: times every statement a worker process sends through `pg` (by kind), and the
 * process's own CPU time, then prints a table to stderr when the worker stops. It tells database
 * round trips from JavaScript work without touching the engine.
 */
import { readdirSync, readFileSync } from 'node:fs';
import pg from 'pg';

interface Stat {
  count: number;
  ms: number;
  rows: number;
}

const stats = new Map<string, Stat>();
let cpuStart: NodeJS.CpuUsage | null = null;
let wallStart = 0;

function kindOf(text: string): string {
  const t = text.replace(/\s+/g, ' ');
  if (/^(begin|commit|rollback)/i.test(t)) return t.split(' ')[0]?.toLowerCase() ?? 'tx';
  if (t.includes('SKIP LOCKED') && t.includes("state = 'running'")) return 'claim';
  if (t.includes("SET state = 'succeeded'")) return 'complete';
  if (t.includes('INSERT INTO jobs')) return 'enqueue';
  if (t.includes('lease_expires_at') && t.includes('expired')) return 'reap';
  if (t.includes('lease_expires_at = now() +')) return 'heartbeat';
  if (t.includes('min(j.run_at)')) return 'next_run_at';
  if (/^(LISTEN|UNLISTEN)/.test(t)) return 'listen';
  return t.slice(0, 48);
}

function record(kind: string, ms: number, rows: number): void {
  const s = stats.get(kind) ?? { count: 0, ms: 0, rows: 0 };
  s.count++;
  s.ms += ms;
  s.rows += rows;
  stats.set(kind, s);
}

function textOf(arg: unknown): string {
  if (typeof arg === 'string') return arg;
  if (typeof arg === 'object' && arg !== null && 'text' in arg && typeof arg.text === 'string') return arg.text;
  return '?';
}

function rowCount(res: unknown): number {
  return typeof res === 'object' && res !== null && 'rows' in res && Array.isArray(res.rows) ? res.rows.length : 0;
}

/** Wraps `pg.Client#query` (promise and callback forms) for the rest of this process. */
export function installProfiler(): void {
  const proto = pg.Client.prototype as unknown as { query: (...args: unknown[]) => unknown };
  const original = proto.query;
  proto.query = function (this: unknown, ...args: unknown[]): unknown {
    const kind = kindOf(textOf(args[0]));
    const t0 = performance.now();
    const last = args[args.length - 1];
    if (typeof last === 'function') {
      const cb = last as (err: unknown, res: unknown) => void;
      args[args.length - 1] = (err: unknown, res: unknown) => {
        record(kind, performance.now() - t0, rowCount(res));
        cb(err, res);
      };
      return original.apply(this, args);
    }
    const out = original.apply(this, args);
    if (out instanceof Promise) {
      return out.then((res: unknown) => {
        record(kind, performance.now() - t0, rowCount(res));
        return res;
      });
    }
    return out;
  };
}

export function startProfileWindow(): void {
  stats.clear();
  cpuStart = process.cpuUsage();
  wallStart = performance.now();
}

export function profileReport(label: string): string {
  const wall = performance.now() - wallStart;
  const cpu = cpuStart ? process.cpuUsage(cpuStart) : { user: 0, system: 0 };
  const lines = [
    `[profile ${label}] wall ${wall.toFixed(0)} ms, process CPU user ${(cpu.user / 1000).toFixed(0)} ms + sys ${(cpu.system / 1000).toFixed(0)} ms`,
    '  kind                                              count   total ms   avg ms   rows/stmt',
  ];
  const sorted = [...stats.entries()].sort((a, b) => b[1].ms - a[1].ms);
  for (const [kind, s] of sorted) {
    lines.push(
      `  ${kind.padEnd(48)} ${String(s.count).padStart(7)} ${s.ms.toFixed(0).padStart(10)} ${(s.ms / s.count).toFixed(2).padStart(8)} ${(s.rows / s.count).toFixed(1).padStart(11)}`,
    );
  }
  return lines.join('\n');
}

export function profiling(): boolean {
  return process.env.BENCH_PROFILE === '1';
}

/**
 * CPU time (ms) used so far by this machine's PostgreSQL processes, exited backends included (the
 * postmaster's cutime/cstime), read from /proc; null where there is no /proc. Meaningful only
 * when the server runs on this machine, as it does for `npm run bench` here.
 */
export function localServerCpuMs(): number | null {
  let ticks = 0;
  let seen = false;
  let pids: string[];
  try {
    pids = readdirSync('/proc').filter((d) => /^\d+$/.test(d));
  } catch {
    return null;
  }
  for (const pid of pids) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const close = stat.lastIndexOf(')');
      const comm = stat.slice(stat.indexOf('(') + 1, close);
      if (comm !== 'postgres' && !comm.startsWith('postgres:')) continue;
      // Fields after "(comm) ": state is field 3, utime..cstime are fields 14-17.
      const fields = stat.slice(close + 2).split(' ');
      for (let f = 11; f <= 14; f++) ticks += Number(fields[f]);
      seen = true;
    } catch {
      // the process exited meanwhile
    }
  }
  return seen ? ticks * 10 : null; // USER_HZ is 100 on Linux: one tick is 10 ms
}
