import type { BatchDetail, BatchJobRecord, BatchRecord, EconomyRecord, ModelCallRecord, QuestionRecord, UsageTotals } from '../db/quiz/index.js';
import { batchQuality } from './quality.js';
import { BatchRequestSchema } from '../../schemas/batch-request.js';
import { apiQuality } from '../../schemas/question.js';
import { QUEUES } from './payloads.js';
import { sumUsage } from './usage-sum.js';
import type {
  EconomyView,
  CoverageView,
  BatchJobView,
  BatchStatus,
  BatchSummary,
  BatchView,
  BudgetView,
  UsageView,
  ChatMessageView,
  IssueView,
  ModelErrorView,
  QuestionView,
  QuizJobKind,
  TranscriptAttemptView,
} from './views.js';

/** Queue → quiz job kind: the one mapping both the batch view and the DLQ view read. */
const KIND_OF_QUEUE = new Map<string, QuizJobKind>([
  [QUEUES.chunk, 'chunk'],
  [QUEUES.assemble, 'assemble'],
  [QUEUES.economy, 'economy'],
]);

/** The kind of a quiz job from its queue; other queues keep their name. */
export function jobKind(queue: string): QuizJobKind | (string & {}) {
  return KIND_OF_QUEUE.get(queue) ?? queue;
}

/**
 * A batch's status is derived from its jobs, never stored, so it cannot disagree with them:
 * cancelled once any job is (a cancel takes them all), failed while any job is dead or discarded,
 * succeeded when all are, running once any started.
 */
export function deriveStatus(jobs: readonly BatchJobRecord[]): BatchStatus {
  if (jobs.some((j) => j.state === 'cancelled')) return 'cancelled';
  if (jobs.some((j) => j.state === 'dead' || j.state === 'discarded')) return 'failed';
  if (jobs.length > 0 && jobs.every((j) => j.state === 'succeeded')) return 'succeeded';
  if (jobs.some((j) => j.state === 'running' || j.state === 'succeeded' || j.attempt > 0)) return 'running';
  return 'queued';
}

export function toJobView(job: BatchJobRecord): BatchJobView {
  // A batch's jobs are all quiz jobs; a queue outside the mapping reads as a chunk, as it always has.
  const kind = KIND_OF_QUEUE.get(job.queue) ?? 'chunk';
  const view: BatchJobView = { id: job.id, kind, state: job.state, attempts: job.attempt };
  return job.usage === undefined ? view : { ...view, usage: job.usage };
}

/** An economy batch's Batch API outcome; `pending` before its economy job first ran. */
export function toEconomyView(e: EconomyRecord | null): EconomyView {
  return {
    mode: e?.mode ?? 'pending',
    reason: e?.reason ?? null,
    providerBatchId: e?.providerBatchId ?? null,
    providerStatus: e?.providerStatus ?? null,
    requests: e?.requests ?? 0,
    answered: e?.answered ?? 0,
    polls: e?.polls ?? 0,
  };
}

/** A job's transcript summed, as its DLQ entry shows it. */
export function transcriptUsage(calls: readonly ModelCallRecord[]): UsageView {
  return toUsageView(sumUsage(calls));
}

function requestOf(batch: BatchRecord) {
  const parsed = BatchRequestSchema.safeParse(batch.request);
  if (!parsed.success) throw new Error(`batch ${batch.id} holds an unreadable request: ${parsed.error.message}`);
  return parsed.data;
}

function toQuestionView(q: QuestionRecord): QuestionView {
  const { position: _position, quality, ...question } = q;
  return { ...question, ...(quality === undefined ? {} : { quality: apiQuality(quality) }) };
}

/** Questions per section, counted by the section each question's evidence sits in. */
export function coverageOf(sections: ReadonlyArray<{ id: string; title: string; page?: number }>, questions: readonly QuestionRecord[]): CoverageView {
  const counts = new Map<string, number>();
  for (const q of questions) if (q.evidence) counts.set(q.evidence.sectionId, (counts.get(q.evidence.sectionId) ?? 0) + 1);
  const rows = sections.map((s) => ({ id: s.id, title: s.title, ...(s.page === undefined ? {} : { page: s.page }), questions: counts.get(s.id) ?? 0 }));
  return { sections: rows, covered: rows.filter((r) => r.questions > 0).length, total: rows.length };
}

export function toBatchView(
  batch: BatchRecord,
  jobs: readonly BatchJobRecord[],
  questions: readonly QuestionRecord[],
  usage: UsageTotals,
  sections?: ReadonlyArray<{ id: string; title: string; page?: number }>,
  calls?: BatchDetail['calls'],
  spend?: BatchDetail['spend'],
): BatchView {
  const status = deriveStatus(jobs);
  const done = status === 'succeeded';
  return {
    id: batch.id,
    status,
    request: requestOf(batch),
    questions: done ? questions.map(toQuestionView) : null,
    jobs: jobs.map(toJobView),
    usage: toUsageView(usage),
    budget: spend ? toBudgetView(spend) : null,
    ...(done && sections !== undefined ? { coverage: coverageOf(sections, questions) } : {}),
    ...(done && calls !== undefined ? { quality: batchQuality(questions, calls) } : {}),
    createdAt: batch.createdAt.toISOString(),
    updatedAt: batch.updatedAt.toISOString(),
  };
}

/** Usage totals with the cached share of the prompt tokens (how well the provider's prompt cache hit). */
export function toUsageView(u: UsageTotals): UsageView {
  return { ...u, cachedShare: u.promptTokens > 0 ? u.cachedTokens / u.promptTokens : null };
}

function toBudgetView(s: NonNullable<BatchDetail['spend']>): BudgetView {
  return { maxTokens: s.maxTokens, maxCostUsd: s.maxUsd, spentTokens: s.spentTokens, spentUsd: s.spentUsd, reservedTokens: s.reservedTokens, reservedUsd: s.reservedUsd };
}

export function toBatchSummary(batch: BatchRecord, jobs: readonly BatchJobRecord[]): BatchSummary {
  const request = requestOf(batch);
  const chunks = jobs.filter((j) => j.queue === QUEUES.chunk);
  return {
    id: batch.id,
    status: deriveStatus(jobs),
    topic: request.topic ?? '',
    count: request.count,
    progress: { done: chunks.filter((j) => j.state === 'succeeded').length, total: chunks.length },
    createdAt: batch.createdAt.toISOString(),
    updatedAt: batch.updatedAt.toISOString(),
  };
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function toMessages(value: unknown): ChatMessageView[] {
  if (!Array.isArray(value)) return [];
  return value.flatMap((m) =>
    isRecord(m) && typeof m.role === 'string' && typeof m.content === 'string' ? [{ role: m.role, content: m.content }] : [],
  );
}

function toIssues(value: unknown): IssueView[] {
  if (!Array.isArray(value)) return [];
  return value.flatMap((i) =>
    isRecord(i) && typeof i.path === 'string' && typeof i.code === 'string' && typeof i.message === 'string'
      ? [{ path: i.path, code: i.code, message: i.message }]
      : [],
  );
}

function toError(value: unknown): ModelErrorView | null {
  if (!isRecord(value)) return null;
  const kind = typeof value.kind === 'string' ? value.kind : 'unknown';
  const message = typeof value.message === 'string' ? value.message : JSON.stringify(value);
  return typeof value.status === 'number' ? { kind, message, status: value.status } : { kind, message };
}

/** One recorded call as the DLQ shows it; stored JSON is narrowed, never trusted. */
export function toTranscriptAttempt(call: ModelCallRecord): TranscriptAttemptView {
  return {
    n: call.n,
    epoch: call.epoch,
    kind: call.kind,
    model: call.model,
    promptVersion: call.promptVersion,
    messages: toMessages(call.messages),
    rawOutput: call.rawOutput,
    finishReason: call.finishReason,
    issues: toIssues(call.issues),
    normalisations: Array.isArray(call.normalisations) ? call.normalisations : [],
    usage: {
      promptTokens: call.promptTokens,
      completionTokens: call.completionTokens,
      cachedTokens: call.cachedTokens,
      reasoningTokens: call.reasoningTokens,
      costUsd: call.costUsd,
    },
    latencyMs: call.latencyMs,
    error: toError(call.error),
    ...(call.via === 'batch' ? { via: 'batch' as const } : {}),
    createdAt: call.createdAt.toISOString(),
  };
}
