export * from './batches.js';
export * from './questions.js';
export * from './model-calls.js';
export * from './batch-detail.js';
export * from './sources.js';
export * from './delete-batches.js';
export * from './tenant-jobs.js';
export * from './economy.js';
