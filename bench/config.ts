import { isSystemName, SYSTEM_NAMES, type SystemName } from './system.js';

export type PhaseName = 'enqueue' | 'drain_1proc' | 'drain_2proc' | 'latency';
const PHASES: readonly PhaseName[] = ['enqueue', 'drain_1proc', 'drain_2proc', 'latency'];

export interface BenchConfig {
  jobs: number;
  latencyJobs: number;
  latencyWarmup: number;
  latencyGapMs: number;
  systems: SystemName[];
  phases: PhaseName[];
  rounds: number;
}

function intFromEnv(name: string, fallback: number, min: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min) throw new Error(`${name} must be an integer >= ${min}, got ${raw}`);
  return n;
}

function listFromEnv<T extends string>(name: string, all: readonly T[], guard: (v: string) => v is T): T[] {
  const raw = process.env[name];
  if (!raw) return [...all];
  const items = raw.split(',').map((s) => s.trim()).filter(Boolean);
  for (const item of items) if (!guard(item)) throw new Error(`${name}: unknown '${item}' (known: ${all.join(', ')})`);
  return items.filter(guard);
}

const isPhase = (v: string): v is PhaseName => (PHASES as readonly string[]).includes(v);

/**
 * BENCH_JOBS (20000), BENCH_LATENCY_JOBS (500), BENCH_LATENCY_WARMUP (20), BENCH_LATENCY_GAP_MS (5),
 * BENCH_SYSTEMS (quizforge,graphile,pgboss), BENCH_PHASES (enqueue,drain_1proc,drain_2proc,latency),
 * BENCH_ROUNDS (1; with more, each figure is the median over rounds).
 */
export function readConfig(): BenchConfig {
  return {
    jobs: intFromEnv('BENCH_JOBS', 20_000, 1),
    latencyJobs: intFromEnv('BENCH_LATENCY_JOBS', 500, 1),
    latencyWarmup: intFromEnv('BENCH_LATENCY_WARMUP', 20, 0),
    latencyGapMs: intFromEnv('BENCH_LATENCY_GAP_MS', 5, 0),
    systems: listFromEnv('BENCH_SYSTEMS', SYSTEM_NAMES, isSystemName),
    phases: listFromEnv('BENCH_PHASES', PHASES, isPhase),
    rounds: intFromEnv('BENCH_ROUNDS', 1, 1),
  };
}
