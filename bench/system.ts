/**
 * What the benchmark needs from a job system. Each adapter (quizforge, graphile-worker, pg-boss)
 * implements it with the settings that system's own docs recommend for throughput, so the
 * orchestration in `run.ts` measures every system the same way.
 */

export type SystemName = 'quizforge' | 'graphile' | 'pgboss';

export const SYSTEM_NAMES: readonly SystemName[] = ['quizforge', 'graphile', 'pgboss'];

/** The benchmark's payload: `t0` is the enqueue moment (epoch ms, sub-ms precision) for latency. */
export interface BenchPayload {
  seq: number;
  t0: number;
}

/** The producer side, used by the orchestrator in its own process. */
export interface BenchClient {
  /** Enqueues `payloads` with the system's bulk API. */
  enqueueBulk(payloads: BenchPayload[]): Promise<void>;
  /** Enqueues one job the way an application would for a single event. */
  enqueueOne(payload: BenchPayload): Promise<void>;
  /** Jobs not yet completed (queued, running, or completed but not yet recorded). */
  remaining(): Promise<number>;
  close(): Promise<void>;
}

/** A running worker inside a child process. */
export interface BenchWorker {
  stop(): Promise<void>;
}

export interface BenchSystem {
  name: SystemName;
  /** Installed package version (quizforge: this repository's). */
  version: string;
  /** The settings used, printed into RESULTS.md. */
  settings: Record<string, unknown>;
  /** Installs the system's schema into a fresh, empty database. */
  install(url: string): Promise<void>;
  openClient(url: string): Promise<BenchClient>;
  /** Starts a worker whose handler calls `onJob` with each job's payload, then returns at once. */
  startWorker(url: string, onJob: (payload: BenchPayload) => void): Promise<BenchWorker>;
}

/** Loads an adapter lazily, so a run of one system never imports the others. */
export async function loadSystem(name: SystemName): Promise<BenchSystem> {
  switch (name) {
    case 'quizforge':
      return (await import('./quizforge.js')).quizforge;
    case 'graphile':
      return ((await import(OTHER_ADAPTERS.graphile)) as { graphile: BenchSystem }).graphile;
    case 'pgboss':
      return ((await import(OTHER_ADAPTERS.pgboss)) as { pgboss: BenchSystem }).pgboss;
  }
}

/**
 * The other systems' adapters import packages that live in bench/'s own node_modules. Their paths
 * are not literals, so the root typecheck (which runs without those packages) does not follow
 * them; `npm run typecheck:bench` checks them.
 */
const OTHER_ADAPTERS: Record<'graphile' | 'pgboss', string> = { graphile: './graphile.js', pgboss: './pgboss.js' };

export function isSystemName(value: string): value is SystemName {
  return (SYSTEM_NAMES as readonly string[]).includes(value);
}

/** Sub-millisecond wall clock comparable across processes on one machine. */
export function nowMs(): number {
  return performance.timeOrigin + performance.now();
}

export function isBenchPayload(value: unknown): value is BenchPayload {
  return (
    typeof value === 'object' &&
    value !== null &&
    'seq' in value &&
    typeof value.seq === 'number' &&
    't0' in value &&
    typeof value.t0 === 'number'
  );
}
