/**
 * Plain, JSON-ready shapes the batch service returns. Zod-free on purpose: the HTTP layer wraps
 * them in its own response schemas, and nothing here drags in a runtime dependency.
 */
import type { JobState } from '../engine/types.js';
import type { BatchRequest } from '../../schemas/batch-request.js';
import type { AnyQuestion, QuestionQuality } from '../../schemas/question.js';
import type { BatchQualityView } from './quality.js';

export type BatchStatus = 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled';
export type QuizJobKind = 'chunk' | 'assemble' | 'economy';

export type BatchRequestView = BatchRequest;

/**
 * A question of any type (single keeps today's shape, with no `type` key). `verified` is 'human'
 * when a reviewer fixed and accepted it in the DLQ view; absent otherwise. `quality` says who
 * verified the key and which item-writing warnings stayed.
 */
export type QuestionView = AnyQuestion & { verified?: 'human'; quality?: QuestionQuality };

export interface BatchJobView {
  id: number;
  kind: QuizJobKind;
  state: JobState;
  /** Engine attempts so far (claims), not model calls. */
  attempts: number;
  /** Tokens and cost of the job's model calls; costUsd null when a call's model has no price. */
  usage?: { promptTokens: number; completionTokens: number; costUsd: number | null };
}

export interface UsageView {
  promptTokens: number;
  completionTokens: number;
  /** Prompt tokens the provider served from its prompt cache (part of `promptTokens`). */
  cachedTokens: number;
  /** cachedTokens / promptTokens, 0–1; null before any prompt was sent. */
  cachedShare: number | null;
  /** Completion tokens spent reasoning (part of `completionTokens`), where the provider reports them. */
  reasoningTokens: number;
  /** Dollars from the price table; null when any call was of a model without a price (`unpricedCalls`). */
  costUsd: number | null;
  unpricedCalls: number;
  modelCalls: number;
}

/** A batch's limits from its request (null: none) and what its calls spent and hold reserved. */
export interface BudgetView {
  maxTokens: number | null;
  maxCostUsd: number | null;
  spentTokens: number;
  spentUsd: number;
  reservedTokens: number;
  reservedUsd: number;
}

export interface BatchView {
  id: string;
  status: BatchStatus;
  request: BatchRequestView;
  /** Filled once the batch succeeded; null before. */
  questions: QuestionView[] | null;
  jobs: BatchJobView[];
  usage: UsageView;
  /** Null for a batch stored before budgets. */
  budget: BudgetView | null;
  /** With a source, once succeeded: how many questions each section got (by evidence). */
  coverage?: CoverageView;
  /** Once succeeded: verified / total, flags by code, repairs and the verification calls' tokens. */
  quality?: BatchQualityView;
  /** Only for `priority: "economy"`: how the chunks' first calls went (Batch API or live fallback, and why). */
  economy?: EconomyView;
  /** ISO-8601 timestamps. */
  createdAt: string;
  updatedAt: string;
}

export interface EconomyView {
  /** `pending` until the provider batch ends; `batch` once any chunk was answered by it; else `live-fallback`. */
  mode: 'pending' | 'batch' | 'live-fallback';
  /** Why some or all chunks ran live; null when the Batch API answered every one. */
  reason: string | null;
  providerBatchId: string | null;
  /** The provider's last reported status (validating, in_progress, completed, expired, failed, …). */
  providerStatus: string | null;
  /** Chunk first calls sent in the provider batch, and how many it answered. */
  requests: number;
  answered: number;
  polls: number;
}

export interface CoverageView {
  sections: Array<{ id: string; title: string; page?: number; questions: number }>;
  /** Sections with at least one question, of all sections. */
  covered: number;
  total: number;
}

export interface BatchSummary {
  id: string;
  status: BatchStatus;
  topic: string;
  count: number;
  /** Chunk jobs done / total, for progress bars. */
  progress: { done: number; total: number };
  createdAt: string;
  updatedAt: string;
}

export interface PageView<T> {
  items: T[];
  nextCursor: string | null;
}

export interface IssueView {
  path: string;
  code: string;
  message: string;
}

export interface ChatMessageView {
  role: string;
  content: string;
}

export interface ModelErrorView {
  kind: string;
  message: string;
  status?: number;
}

/** One model call of a dead job's transcript. */
export interface TranscriptAttemptView {
  /** 1-based sequence within the job, across engine retries and DLQ replays. */
  n: number;
  /** Budget period: 0 before the first DLQ replay, +1 after each. */
  epoch: number;
  kind: string;
  model: string | null;
  promptVersion: string;
  messages: ChatMessageView[];
  rawOutput: string | null;
  finishReason: string | null;
  issues: IssueView[];
  normalisations: unknown[];
  usage: { promptTokens: number; completionTokens: number; cachedTokens: number; reasoningTokens: number; costUsd: number | null };
  latencyMs: number;
  error: ModelErrorView | null;
  /** `batch` when the provider's Batch API answered this call (an economy batch's first ask); absent: live. */
  via?: 'batch';
  createdAt: string;
}

export interface DlqItemView {
  id: number;
  batchId: string | null;
  kind: QuizJobKind | (string & {});
  reason: string | null;
  /** Model calls recorded for this job (the transcript's length). */
  attempts: number;
  lastError: { message: string } | null;
  diedAt: string | null;
}

export interface DlqEntryView extends Omit<DlqItemView, 'attempts'> {
  state: JobState;
  /** The job's calls summed: tokens, cached and reasoning tokens, cost (null when any was unpriced). */
  usage: UsageView;
  /** Engine attempts the job used in its current run. */
  jobAttempts: number;
  /** The validation budget (the request's `maxAttempts`) this job runs with. */
  maxAttempts: number | null;
  attempts: TranscriptAttemptView[];
  /** For a dead chunk: the questions it died with, to fix and accept; null for other jobs. */
  review: DlqReviewView | null;
}

/** One position of a dead chunk's draft; `valid` ones are kept as they are on accept. */
export interface ReviewQuestionView {
  position: number;
  valid: boolean;
  question: string;
  options: string[];
  correctAnswer: number | null;
  explanation: string;
}

export interface DlqReviewView {
  /** Options per question the request asks for. */
  options: number;
  questions: ReviewQuestionView[];
  issues: Array<{ path: string; code: string; message: string }>;
}

export interface DlqReplayView {
  id: number;
  state: JobState;
}
