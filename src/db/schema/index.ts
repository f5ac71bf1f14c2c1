export * from './engine.js';
export * from './quiz.js';
export * from './model-capabilities.js';
export * from './model-rate-limits.js';
export * from './sources.js';
export * from './accounts-spend.js';
export * from './accounts.js';
export * from './economy.js';
