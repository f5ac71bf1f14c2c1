import { createHash, randomUUID } from 'node:crypto';
import { LOCK_KEYS, type Database } from '../db/client.js';
import {
  countCallsByJob,
  purgeFinishedBatches,
  type PurgeCounts,
  deleteBatch,
  existingBatchIds,
  getBatch,
  getBatchDetail,
  getEconomyBatch,
  getBatchByIdempotencyKey,
  batchTenants,
  insertSubmittedBatch,
  countTenantFinished,
  countTenantJobsByState,
  jobTenant,
  listBatches,
  listModelCalls,
  touchBatch,
  type BatchDetail,
  type BatchRecord,
} from '../db/quiz/index.js';
import { checkBatchLimitPriced, checkTenantBudget, tenantUsage, unpricedModel, type SpendPlan, type TenantUsageView } from '../accounts/budgets.js';
import { setBatchLimits } from '../db/accounts/spend.js';
import { OPERATOR_SCOPE, ownerFilter, type TenantScope } from '../accounts/index.js';
import type { Engine } from '../engine/index.js';
import { NotDeadError } from '../engine/errors.js';
import { decodeBatchCursor, encodeBatchCursor, pageLimit } from './paging.js';
import type { GraphNode, Job, JobState, TaskDefinition } from '../engine/types.js';
import { canonicalJson } from '../model/cassettes.js';
import { createModelClient, type ModelClient } from '../model/client.js';
import { resolveModelConfig } from '../model/config.js';
import { QUIZ_LIMITS, priorityOf, verifyModeOf, type BatchRequest } from '../../schemas/batch-request.js';
import { pricesOf, resolveQuizConfig, type QuizConfig } from './config.js';
import { acceptDeadChunk, reviewView } from './accept.js';
import { BatchActiveError, BatchFinishedError, IdempotencyConflictError, ReplayRefusedError, UnknownBatchesError, UnknownSourceError } from './errors.js';
import { QUEUES, type AssemblePayload, type ChunkPayload, type EconomyPayload } from './payloads.js';
import { traceCarrier } from './task-trace.js';
import { assignSections, planChunks } from './plan.js';
import { toBatchSummary, toBatchView, toEconomyView, toTranscriptAttempt, transcriptUsage } from './present.js';
import type { QuizMetrics } from './metrics.js';
import { ReadCoalescer } from './read-coalescer.js';
import { dlqItem, tenantDeadPage, validationBudget, withValidationBudget } from './dlq-helpers.js';
import { loadPrompts, type Prompts } from './prompts.js';
import { createSourceService, type SourceService } from './source-service.js';
import { BATCH_EVENTS, quizTasks } from './tasks.js';
import { cancelEconomyAtProvider } from './economy.js';
import type { BatchSummary, BatchView, DlqEntryView, DlqItemView, DlqReplayView, PageView } from './views.js';

export interface QuizServiceOptions {
  engine: Engine;
  database: Database;
  /** Needed only by `tasks()`; built from the environment on first use when absent. */
  modelClient?: ModelClient;
  config?: QuizConfig;
  prompts?: Prompts;
  /** Model-call, token and repair counters (see metrics.ts); omitted means not measured. */
  metrics?: QuizMetrics;
}

/**
 * Every call takes the caller's TenantScope (default: the operator's, seeing every tenant): a
 * batch, source or dead job of another tenant answers exactly as an unknown id.
 */
export interface QuizService {
  /** Documents to quiz on (`/v1/sources`). */
  sources: SourceService;
  /** Idempotency keys are the tenant's: the same key from two tenants makes two batches. The scope's tenant is charged for the batch's calls; a spent tenant budget refuses the submit. */
  submit(request: BatchRequest, opts?: { idempotencyKey?: string }, scope?: TenantScope): Promise<{ created: boolean; batch: BatchView }>;
  /** The tenant's tokens, cost, budget, spent and reserved in its current period (`GET /v1/usage`). */
  usage(tenant: string): Promise<TenantUsageView>;
  /** A batch as its reader may see it; concurrent reads of one batch share a round trip, so the view is shared: do not mutate it. */
  get(id: string, scope?: TenantScope): Promise<BatchView | null>;
  /**
   * Cancels a batch: its unfinished jobs become cancelled (running ones are aborted, see
   * Engine.cancelGroup), `batch.cancelled` is journalled once. Idempotent: a repeat answers the
   * same view. Null for an unknown batch; BatchFinishedError when it had already succeeded.
   */
  cancel(id: string, scope?: TenantScope): Promise<BatchView | null>;
  /**
   * Deletes a batch and everything derived from it (jobs, dependencies, events, model calls,
   * questions) in one transaction. False for an unknown batch; BatchActiveError while a job is
   * waiting, ready or running (cancel first).
   */
  remove(id: string, scope?: TenantScope): Promise<boolean>;
  /**
   * Retention: batches with no job left to run and unchanged for `olderThanMs` are deleted with
   * everything derived from them, `batchSize` per transaction, at most `maxRounds` transactions a
   * pass. One process at a time (advisory lock): `ran: false` when another holds it.
   */
  purgeExpired(olderThanMs: number, opts?: { batchSize?: number; maxRounds?: number }): Promise<{ ran: boolean } & PurgeCounts>;
  list(opts?: { cursor?: string | null; limit?: number }, scope?: TenantScope): Promise<PageView<BatchSummary>>;
  dlqList(opts?: { cursor?: string | null; limit?: number }, scope?: TenantScope): Promise<PageView<DlqItemView>>;
  dlqGet(jobId: number, scope?: TenantScope): Promise<DlqEntryView | null>;
  /**
   * Another tenant's job throws NotDeadError with state null (404), as an unknown one.
   * `maxTokens`/`maxCostUsd` replace the batch's limits (null removes one) before the job runs again.
   */
  dlqReplay(jobId: number, opts?: ReplayOptions, scope?: TenantScope): Promise<DlqReplayView>;
  dlqDiscard(jobId: number, scope?: TenantScope): Promise<DlqReplayView>;
  /** A reviewer's fixed questions for a dead chunk's failing positions (see accept.ts). */
  dlqAccept(jobId: number, questions: readonly unknown[], reviewer: string, scope?: TenantScope): Promise<DlqReplayView>;
  /** The owning tenant of each existing batch id (ownership never changes): the event streams' filter. */
  batchOwners(ids: readonly string[]): Promise<Map<string, string>>;
  /** One tenant's dashboard figures (its batches' jobs). */
  tenantStats: {
    countByState(tenant: string): Promise<Partial<Record<JobState, number>>>;
    finishedSince(tenant: string, since: Date, limit: number): Promise<{ succeeded: number; dead: number }>;
  };
  tasks(): Record<string, TaskDefinition>;
}

export interface ReplayOptions {
  maxAttempts?: number;
  maxTokens?: number | null;
  maxCostUsd?: number | null;
}

/** Stable fingerprint of a parsed request: the idempotency check compares these, not raw bodies. */
export function requestHash(request: BatchRequest): string {
  return createHash('sha256').update(canonicalJson(request)).digest('hex');
}

/**
 * The batch service: the one entry point HTTP and the CLI use to create, read and repair batches,
 * and the source of the worker's task table. A batch is one row plus a DAG of jobs created in the
 * same transaction; everything else (status, usage, questions) is derived on read.
 */
export function createQuizService(opts: QuizServiceOptions): QuizService {
  const { engine, database } = opts;
  const db = database.db;
  const config = opts.config ?? resolveQuizConfig();
  let prompts = opts.prompts;
  let modelClient = opts.modelClient;

  const sources = createSourceService(db);

  /** A batch's view in one round trip (and one snapshot, see getBatchDetail), plus its source's sections. */
  const present = async (d: BatchDetail | null | undefined): Promise<BatchView | null> => {
    if (!d) return null;
    const sourceId = sourceIdOf(d.batch.request);
    const source = sourceId === null ? null : await sources.record(sourceId);
    const view = toBatchView(d.batch, d.jobs, d.questions, d.usage, source?.sections, d.calls, d.spend);
    return priorityOf(view.request) === 'economy' ? { ...view, economy: toEconomyView(await getEconomyBatch(db, d.batch.id)) } : view;
  };
  const view = async (id: string, scope: TenantScope = OPERATOR_SCOPE): Promise<BatchView | null> =>
    present(await getBatchDetail(db, id, ownerFilter(scope)));
  const reads = new ReadCoalescer<BatchView | null>();

  /** Refuses a job of another tenant exactly as a job that does not exist. */
  const checkJobOwner = async (jobId: number, scope: TenantScope): Promise<boolean> =>
    scope.all || (await jobTenant(db, jobId)) === scope.tenant;
  const ownJob = async (jobId: number, scope: TenantScope): Promise<void> => {
    if (!(await checkJobOwner(jobId, scope))) throw new NotDeadError(jobId, null);
  };

  /** A request with its source resolved: inline text stored, `sourceId` checked, topic defaulted. */
  const resolveSource = async (request: BatchRequest, scope: TenantScope): Promise<{ request: BatchRequest; sectionIds: string[] | null }> => {
    if (request.source === undefined && request.sourceId === undefined) return { request, sectionIds: null };
    const id = request.source === undefined ? request.sourceId : (await sources.addText(request.source, scope)).source.id;
    const record = id === undefined ? null : await sources.record(id, scope);
    if (record === null) throw new UnknownSourceError(request.sourceId ?? '');
    const { source: _inline, ...rest } = request;
    return { request: { ...rest, sourceId: record.id, topic: request.topic ?? record.title }, sectionIds: record.sections.map((s) => s.id) };
  };

  /** Every `distinctFrom` id must name a stored batch: a typo would otherwise silently check against nothing. */
  const checkDistinctFrom = async (ids: readonly string[], scope: TenantScope): Promise<void> => {
    const known = await existingBatchIds(db, ids, ownerFilter(scope));
    const unknown = ids.flatMap((batchId, index) => (known.has(batchId) ? [] : [{ index, batchId }]));
    if (unknown.length > 0) throw new UnknownBatchesError(unknown);
  };

  const graphFor = (batchId: string, request: BatchRequest, sectionIds: string[] | null): GraphNode[] => {
    const chunks = planChunks(request.count, config.chunkSize);
    const shares = sectionIds === null ? null : assignSections(sectionIds, chunks.map((c) => c.count));
    const trace = traceCarrier();
    const economy = priorityOf(request) === 'economy';
    const nodes: GraphNode[] = chunks.map((c) => {
      const share = shares?.[c.index];
      const payload: ChunkPayload = { batchId, index: c.index, start: c.start, count: c.count, request, ...(share ? { sectionIds: share } : {}), ...trace };
      return { ref: `chunk-${c.index}`, queue: QUEUES.chunk, payload, groupId: batchId, maxAttempts: config.jobMaxAttempts, ...(economy ? { dependsOn: ['economy'] } : {}) };
    });
    // Economy: one job sends every chunk's first call through the Batch API before the chunks run.
    if (economy) nodes.unshift({ ref: 'economy', queue: QUEUES.economy, payload: { batchId, ...trace } satisfies EconomyPayload, groupId: batchId, maxAttempts: config.jobMaxAttempts });
    const assemble: AssemblePayload = { batchId, chunks: chunks.length, request, ...trace };
    nodes.push({
      ref: 'assemble',
      queue: QUEUES.assemble,
      payload: assemble,
      groupId: batchId,
      maxAttempts: config.jobMaxAttempts,
      dependsOn: chunks.map((c) => `chunk-${c.index}`),
    });
    return nodes;
  };

  /** Who pays and within which limits: every model the batch may call, and its own limits. */
  const spendPlan = (request: BatchRequest, tenant: string): SpendPlan => {
    const model = request.model ?? modelClient?.model ?? resolveModelConfig().model;
    const verifier = config.verifyModel ?? model;
    const models = verifyModeOf(request) === 'off' || verifier === model ? [model] : [model, verifier];
    return { tenant, models, maxTokens: request.maxTokens ?? null, maxCostUsd: request.maxCostUsd ?? null };
  };

  const existingFor = (existing: BatchRecord, key: string, hash: string): BatchRecord => {
    if (existing.requestHash !== hash) throw new IdempotencyConflictError(key, existing.id);
    return existing;
  };

  return {
    sources,
    async submit(given, o = {}, scope = OPERATOR_SCOPE) {
      const tenantId = scope.tenant;
      const plan = spendPlan(given, tenantId);
      const unpriced = unpricedModel(pricesOf(config), plan);
      checkBatchLimitPriced(plan, unpriced);
      await checkDistinctFrom(given.distinctFrom ?? [], scope);
      const { request, sectionIds } = await resolveSource(given, scope);
      const key = o.idempotencyKey ?? null;
      const hash = requestHash(request);
      const outcome = await engine.transaction(async (tx) => {
        const limits = { maxTokens: plan.maxTokens, maxUsd: plan.maxCostUsd };
        const { batch, tenantSpend } = await insertSubmittedBatch(tx, { id: randomUUID(), tenantId, request, requestHash: hash, idempotencyKey: key, limits });
        if (!batch) {
          // The key is taken (by an earlier submit, or a concurrent one that committed first; its
          // row is visible to this statement). A repeat answers its batch whatever the budget says now.
          const holder = key === null ? null : await getBatchByIdempotencyKey(tx, tenantId, key);
          if (!holder || key === null) throw new Error('batch insert found its idempotency key taken but no batch holds it');
          return { created: false, batch: existingFor(holder, key, hash) };
        }
        checkTenantBudget(plan, unpriced, tenantSpend);
        await engine.enqueueGraph(graphFor(batch.id, request, sectionIds), { tx });
        // Read before the commit: the answer shows the batch as created (queued), whatever a
        // worker does the instant it commits.
        return { created: true, batch, detail: await getBatchDetail(tx, batch.id) };
      });
      const batch = 'detail' in outcome ? await present(outcome.detail) : await view(outcome.batch.id);
      if (!batch) throw new Error(`batch ${outcome.batch.id} vanished right after its submit`);
      return { created: outcome.created, batch };
    },

    // Pollers of one batch share its reads (never with a snapshot older than their request).
    get: (id, scope = OPERATOR_SCOPE) => reads.read(JSON.stringify([ownerFilter(scope), id]), () => view(id, scope)),

    usage: (tenant) => tenantUsage(db, tenant),

    async cancel(id, scope = OPERATOR_SCOPE) {
      const found = await engine.transaction(async (tx) => {
        // No batch-row lock: completions lock jobs and then touch the batch; taking the batch
        // first would invert that order. Concurrent cancels serialise on the job rows instead.
        if (!(await getBatch(tx, id, ownerFilter(scope)))) return false;
        const jobs = await engine.cancelGroup(id, { tx });
        if (jobs.length > 0) {
          await engine.events.append(tx, { groupId: id, type: BATCH_EVENTS.cancelled, data: { jobs: jobs.length } });
          await touchBatch(tx, id);
        }
        return true;
      });
      if (!found) return null;
      const before = await view(id);
      if (!before) return null;
      if (before.status !== 'cancelled') throw new BatchFinishedError(id, before.status);
      if (before.economy === undefined || before.economy.mode !== 'pending' || before.economy.providerBatchId === null) return before;
      // The provider batch would otherwise keep running (and billing) for answers nobody reads.
      modelClient ??= createModelClient(resolveModelConfig());
      await cancelEconomyAtProvider({ db, client: modelClient }, id);
      return (await view(id)) ?? before;
    },

    async remove(id, scope = OPERATOR_SCOPE) {
      const result = await engine.transaction(async (tx) => ((await getBatch(tx, id, ownerFilter(scope))) ? deleteBatch(tx, id) : { outcome: 'not_found' as const }));
      if (result.outcome === 'active') throw new BatchActiveError(id, result.active);
      return result.outcome === 'deleted';
    },

    async purgeExpired(olderThanMs, o = {}) {
      const limit = o.batchSize ?? 100;
      const before = new Date(Date.now() - olderThanMs);
      const total: PurgeCounts = { batches: 0, jobs: 0, modelCalls: 0, events: 0 };
      const res = await database.exclusive(LOCK_KEYS.retention, { wait: false }, async (locked) => {
        for (let round = 0; round < (o.maxRounds ?? 50); round++) {
          const c = await locked.transaction((tx) => purgeFinishedBatches(tx, { before, limit }));
          total.batches += c.batches;
          total.jobs += c.jobs;
          total.modelCalls += c.modelCalls;
          total.events += c.events;
          if (c.batches < limit) break;
        }
      });
      return { ran: res.ran, ...total };
    },

    async list(o = {}, scope = OPERATOR_SCOPE) {
      const limit = pageLimit(o.limit);
      const rows = await listBatches(db, { before: decodeBatchCursor(o.cursor), limit: limit + 1, owner: ownerFilter(scope) });
      const page = rows.slice(0, limit);
      const ids = page.map((r) => r.batch.id);
      const jobs = ids.length === 0 ? [] : await engine.listJobs({ groupIds: ids });
      const byBatch = new Map<string, Job[]>();
      for (const j of jobs) if (j.groupId !== null) byBatch.set(j.groupId, [...(byBatch.get(j.groupId) ?? []), j]);
      const last = page[page.length - 1];
      return {
        items: page.map((r) => toBatchSummary(r.batch, byBatch.get(r.batch.id) ?? [])),
        nextCursor: rows.length > limit && last ? encodeBatchCursor(last.position) : null,
      };
    },

    async dlqList(o = {}, scope = OPERATOR_SCOPE) {
      const page = scope.all
        ? await engine.dlq.list({ cursor: o.cursor ?? null, limit: pageLimit(o.limit) })
        : await tenantDeadPage(db, scope.tenant, o.cursor ?? null, pageLimit(o.limit));
      const calls = await countCallsByJob(db, page.items.map((j) => j.id));
      return {
        items: page.items.map((job) => ({ ...dlqItem(job), attempts: calls.get(job.id) ?? 0 })),
        nextCursor: page.nextCursor,
      };
    },

    async dlqGet(jobId, scope = OPERATOR_SCOPE) {
      const job = await engine.dlq.get(jobId);
      if (!job || !(await checkJobOwner(jobId, scope))) return null;
      const calls = await listModelCalls(db, jobId);
      return {
        ...dlqItem(job),
        state: job.state,
        usage: transcriptUsage(calls),
        jobAttempts: job.attempt,
        maxAttempts: validationBudget(job),
        attempts: calls.map(toTranscriptAttempt),
        review: await reviewView(db, job),
      };
    },

    async dlqReplay(jobId, o = {}, scope = OPERATOR_SCOPE) {
      await ownJob(jobId, scope);
      const job = await engine.dlq.get(jobId);
      if (!job) throw new NotDeadError(jobId, (await engine.getJob(jobId))?.state ?? null);
      let payload: unknown;
      if (o.maxAttempts !== undefined) {
        const m = o.maxAttempts;
        if (!Number.isInteger(m) || m < QUIZ_LIMITS.minAttempts || m > QUIZ_LIMITS.maxAttempts) {
          throw new ReplayRefusedError('maxAttempts', `maxAttempts must be an integer ${QUIZ_LIMITS.minAttempts}-${QUIZ_LIMITS.maxAttempts}`);
        }
        payload = withValidationBudget(job.payload, m);
      }
      if (o.maxTokens !== undefined || o.maxCostUsd !== undefined) {
        if (job.groupId === null) throw new ReplayRefusedError('maxTokens', 'budgets can only be raised for quiz jobs');
        await setBatchLimits(db, job.groupId, { maxTokens: o.maxTokens, maxUsd: o.maxCostUsd });
      }
      const replayed = await engine.dlq.replay(jobId, payload === undefined ? {} : { payload });
      const batchId = replayed.groupId;
      if (batchId !== null) await touchBatch(db, batchId);
      return { id: replayed.id, state: replayed.state };
    },

    async dlqDiscard(jobId, scope = OPERATOR_SCOPE) {
      await ownJob(jobId, scope);
      const discarded = await engine.dlq.discard(jobId);
      if (discarded.groupId !== null) await touchBatch(db, discarded.groupId);
      return { id: discarded.id, state: discarded.state };
    },

    async dlqAccept(jobId, questions, reviewer, scope = OPERATOR_SCOPE) {
      await ownJob(jobId, scope);
      const done = await acceptDeadChunk({ db, engine }, jobId, questions, reviewer);
      return { id: done.id, state: done.state };
    },

    batchOwners: (ids) => batchTenants(db, ids),

    tenantStats: {
      countByState: (tenant) => countTenantJobsByState(db, tenant),
      finishedSince: (tenant, since, limit) => countTenantFinished(db, { tenantId: tenant, since, limit }),
    },

    tasks() {
      prompts ??= loadPrompts();
      modelClient ??= createModelClient(resolveModelConfig());
      return quizTasks({ db, client: modelClient, prompts, config, events: engine.events, metrics: opts.metrics });
    },
  };
}

function sourceIdOf(request: unknown): string | null {
  if (request === null || typeof request !== 'object' || !('sourceId' in request)) return null;
  return typeof request.sourceId === 'string' ? request.sourceId : null;
}
