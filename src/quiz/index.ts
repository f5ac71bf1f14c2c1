/**
 * The quiz pipeline's public API: the batch service (HTTP and CLI), the worker's tasks, and the
 * pure pieces (planning, balancing) other layers and tools may want.
 */
export { createQuizService, requestHash } from './service.js';
export type { QuizService, QuizServiceOptions } from './service.js';
export { resolveQuizConfig, DEFAULT_QUIZ_CONFIG, QuizConfigError } from './config.js';
export type { QuizConfig } from './config.js';
export { QUEUES } from './payloads.js';
export { BATCH_EVENTS, quizTasks } from './tasks.js';
export { DEAD_REASONS } from './policy.js';
export { createQuizMetrics } from './metrics.js';
export type { QuizMetrics } from './metrics.js';
export { pipelineVersions, schemaVersion } from './messages.js';
export { planChunks } from './plan.js';
export { balanceAnswerPositions, answerPositionShares, seededRandom } from './balance.js';
export { deriveStatus } from './present.js';
export type * from './views.js';
