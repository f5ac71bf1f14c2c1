export * from './keys.js';
export * from './rate-windows.js';
