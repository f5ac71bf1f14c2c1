import type { BatchRequest } from '../../../schemas/batch-request.js';
import type { TenantScope } from '../../accounts/index.js';
import type { JobState } from '../../engine/types.js';
import type { TenantUsageView } from '../../accounts/budgets.js';
import type { SourceService } from '../../quiz/source-service.js';
import type { BatchSummary, DlqEntryView, DlqItemView, PageView, TranscriptAttemptView } from '../../quiz/views.js';

/**
 * What the pages need from the rest of the service: the quiz service's read views and DLQ
 * actions, and two engine figures. Auth is not a dep: the app's `Authenticator` reaches the pages
 * on the request context (`c.var.auth`), the same one the API uses.
 */

export type { BatchSummary, DlqEntryView, DlqItemView, PageView, TranscriptAttemptView };

/**
 * The quiz service as the pages use it; `createQuizService(...)` satisfies it structurally. Every
 * call names the session's TenantScope: the pages show only that tenant's data.
 */
export interface PagesQuiz {
  /** The batch view of `GET /v1/batches/:id`, null when unknown. */
  get(id: string, scope: TenantScope): Promise<object | null>;
  /** The same submit the API's `POST /v1/batches` calls, with a request its schema parsed. */
  submit(request: BatchRequest, opts: { idempotencyKey?: string }, scope: TenantScope): Promise<{ created: boolean; batch: { id: string } }>;
  /** The same cancel as `POST /v1/batches/:id/cancel`: null when unknown, `BatchFinishedError` once succeeded. */
  cancel(id: string, scope: TenantScope): Promise<object | null>;
  list(opts: { cursor?: string; limit?: number }, scope: TenantScope): Promise<PageView<BatchSummary>>;
  dlqList(opts: { cursor?: string; limit?: number }, scope: TenantScope): Promise<PageView<DlqItemView>>;
  /** Null when no dead job has this id. */
  dlqGet(jobId: number, scope: TenantScope): Promise<DlqEntryView | null>;
  /** Throws the engine's `NotDeadError` when the job is not dead (its `state` is null when there is no such job). */
  dlqReplay(jobId: number, opts: { maxAttempts?: number }, scope: TenantScope): Promise<unknown>;
  dlqDiscard(jobId: number, scope: TenantScope): Promise<unknown>;
  /** Throws `AcceptRejectedError` (issues) when the questions do not validate, `NotDeadError` when not dead. */
  dlqAccept(jobId: number, questions: readonly unknown[], reviewer: string, scope: TenantScope): Promise<unknown>;
  /** The tenant's spend in its budget period, as `GET /v1/usage` answers it; absent: not shown. */
  usage?(tenant: string): Promise<TenantUsageView>;
  /**
   * The same source service `POST /v1/sources` uses, for the form's document upload. Throws the
   * quiz's `SourceRejectedError` for a file it refuses. Absent: the form offers no upload.
   */
  sources?: Pick<SourceService, 'addFile'>;
}

export interface Throughput {
  succeeded: number;
  dead: number;
  /** True when the count hit its sampling bound: the real figure is at least this. */
  capped: boolean;
}

/** Dashboard figures, for every tenant (`scope.all`) or one. */
export interface PagesStats {
  countByState(scope: TenantScope): Promise<Partial<Record<JobState, number>>>;
  /** Jobs that finished (succeeded / died) in the trailing window, for the throughput tiles. */
  throughput(windowMs: number, scope: TenantScope): Promise<Throughput>;
}

export interface PagesDeps {
  quiz: PagesQuiz;
  stats: PagesStats;
}
