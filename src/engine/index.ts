/**
 * The job engine's public API. Layers above (quiz, http, cli) import from here and from
 * ./types.js and ./errors.js only.
 */
export { createEngine, silentLogger } from './engine.js';
export type { ClaimOptions, Engine, EngineOptions, FailOptions, HeartbeatResult } from './engine.js';
export type { EngineConfig } from './config.js';
export { resolveConfig } from './config.js';
export { createEngineMetrics } from './metrics.js';
export type { EngineMetrics } from './metrics.js';
export { JobCancelledError, LeaseLostError, WorkerStoppingError } from './worker-api.js';
export type { Worker, WorkerOptions } from './worker-api.js';
export type { WorkerEventMap, WorkerEventName } from './worker-events.js';
export { backoffCeiling, decideFailure, fullJitterDelay } from './backoff.js';
export { isDbUnavailable, isTransientDbError } from './db-errors.js';
export type { ReapResult } from '../db/jobs/index.js';
export * from './errors.js';
export { decodeKeysetCursor, encodeKeysetCursor } from './cursor.js';
export type * from './types.js';
