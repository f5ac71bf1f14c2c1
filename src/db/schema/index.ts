export * from './engine.js';
export * from './quiz.js';
export * from './sources.js';
