export * from './engine.js';
export * from './quiz.js';
