export * from './batch-request.js';
export * from './quiz-output.js';
export * from './question.js';
