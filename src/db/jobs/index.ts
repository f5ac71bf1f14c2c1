/**
 * The engine's database boundary: one named function per statement, each `(ex, params)` returning
 * domain types. Nothing outside src/db sees a driver result.
 */
export * from './claim.js';
export * from './cancel.js';
export * from './complete.js';
export * from './dlq.js';
export * from './enqueue.js';
export * from './events.js';
export * from './fail.js';
export * from './lease.js';
export * from './query.js';
export { EVENTS_CHANNEL, JOBS_CHANNEL, toJob } from './rows.js';
