/** Tunables of the engine; every field has a default, workers may override the per-worker ones. */
export interface EngineConfig {
  /** Backoff base and cap (full jitter): env QUIZFORGE_RETRY_BASE_MS / QUIZFORGE_RETRY_MAX_MS. */
  retryBaseMs: number;
  retryMaxMs: number;
  /** How long a claim is valid without a heartbeat. */
  leaseMs: number;
  /** Heartbeat period; must be well below leaseMs. */
  heartbeatMs: number;
  /** Polling fallback when no NOTIFY arrives. */
  pollMs: number;
  /** How often a worker's reaper looks for expired leases. */
  reaperIntervalMs: number;
  /** Most expired leases handled per reaper statement. */
  reaperBatch: number;
  /** Most jobs taken by one claim statement. */
  claimBatch: number;
  /** Claimed-but-not-started jobs a worker may hold beyond its concurrency (0: claim only for free slots). */
  prefetch: number;
  /** Most completions written by one batch statement. */
  completionBatch: number;
  /** How long a completion may wait for others to share its statement. */
  completionFlushMs: number;
  /** See readEventsAfter: how long a gap in event ids is assumed to be an open transaction. */
  eventGapGraceMs: number;
  /** Events pruned by the reaper when older than this (0 disables pruning by workers). */
  eventRetentionMs: number;
}

function envInt(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < 0) throw new Error(`${name} must be a non-negative number, got ${raw}`);
  return Math.floor(n);
}

/** Defaults, with the retry policy overridable from the environment (read when an engine is created). */
export function resolveConfig(overrides: Partial<EngineConfig> = {}): EngineConfig {
  const base: EngineConfig = {
    retryBaseMs: envInt('QUIZFORGE_RETRY_BASE_MS', 1_000),
    retryMaxMs: envInt('QUIZFORGE_RETRY_MAX_MS', 60_000),
    leaseMs: 30_000,
    heartbeatMs: 10_000,
    pollMs: 1_000,
    reaperIntervalMs: 5_000,
    reaperBatch: 500,
    claimBatch: 500,
    prefetch: 0,
    completionBatch: 500,
    completionFlushMs: 2,
    eventGapGraceMs: 3_000,
    eventRetentionMs: 7 * 24 * 3_600_000,
  };
  const cfg = { ...base, ...stripUndefined(overrides) };
  if (cfg.heartbeatMs >= cfg.leaseMs) throw new Error('engine config: heartbeatMs must be below leaseMs');
  return cfg;
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
