export * from './tenants.js';
export * from './errors.js';
export * from './keys.js';
export * from './key-cache.js';
export * from './rate-limit.js';
