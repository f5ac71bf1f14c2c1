/**
 * One recorded model call, shared by the repair loop (`generate.ts`) and key verification
 * (`verify-call.ts`): wait for a rate-limit slot, record the call before it is sent, send it, learn
 * the provider's limits, step the output mode down after an "unsupported" 400, and turn a failure
 * into the engine's typed error. What a completion means is left to the caller.
 */
import type { Executor } from '../db/client.js';
import { NOT_ANSWERED, finishModelCall, startModelCall } from '../db/quiz/index.js';
import type { ModelCallOutcome } from '../db/quiz/index.js';
import { callChat, type ChatOutcome, type ChatRequestBody } from '../model/chat.js';
import type { ModelClient } from '../model/client.js';
import { tenantOfBatch } from './batch-tenant.js';
import { BATCH_PRICE_FACTOR } from '../accounts/prices.js';
import { worstCase } from '../accounts/worst-case.js';
import { PermanentError } from '../engine/errors.js';
import { pricesOf, type QuizConfig } from './config.js';
import type { CallLedger } from './call-ledger.js';
import type { ChatMessage } from './messages.js';
import { observeBudgetRefusal, observeCall, observeCost, type QuizMetrics } from './metrics.js';
import { stepDownOutputMode, type ModeChoice } from './output.js';
import { DEAD_REASONS, clampRetryAfter, errorForModelFailure } from './policy.js';
import { acquireModelSlot, estimateCallTokens, observeModelLimits } from './rate-limit.js';

export interface CallDeps {
  db: Executor;
  client: ModelClient;
  config: QuizConfig;
  metrics?: QuizMetrics | undefined;
}

export interface RecordedCallSpec {
  record: { jobId: number; batchId: string; jobAttempt: number; epoch: number; kind: 'generate' | 'repair' | 'verify'; model: string; promptVersion: string };
  /** The validation budget the call must fit in, or `uncounted` (verification). */
  budget: number | 'uncounted';
  /** The messages as sent (the body's), recorded with the call. */
  messages: ChatMessage[];
  body: ChatRequestBody & { model: string; max_completion_tokens: number };
  output: ModeChoice;
  meta: unknown;
  signal: AbortSignal;
  /** The handler run's ledger: counts the call and its tokens, and holds `finishLater` writes. */
  ledger: CallLedger;
  /** The provider's Batch API already answered this ask (an economy batch's first call): nothing is sent. */
  batchAnswer?: Completion;
}

export type Completion = Extract<ChatOutcome, { kind: 'completion' }>;

export type RecordedCall =
  /** The validation budget refused the call: nothing was sent. */
  | { kind: 'refused' }
  /** The server refused the output mode; recorded, not counted: retry at once with `output`. */
  | { kind: 'step_down'; output: ModeChoice }
  /** A completion came back; the caller records what it means with `finish` (`answered` pre-filled). */
  | {
      kind: 'completion';
      outcome: Completion;
      answered: Partial<ModelCallOutcome>;
      finish: (o: Partial<ModelCallOutcome>) => Promise<void>;
      /** `finish` without waiting: the write runs beside the caller's next step, held by the ledger. */
      finishLater: (o: Partial<ModelCallOutcome>) => void;
    };

/** The worst case reserved for a call, and what an aborted one is charged. */
type Worst = { tokens: number; usd: number | null };

/** The live call itself; the provider's limits it reports are learnt for every worker. */
async function sendLive(deps: CallDeps, spec: RecordedCallSpec, startedId: number, worst: Worst): Promise<ChatOutcome> {
  let outcome: ChatOutcome;
  try {
    outcome = await callChat(deps.client, spec.body, { meta: spec.meta, signal: spec.signal });
  } catch (err) {
    // Cancelled by us (the worker is stopping or lost the job): no completion came back, but the
    // provider may bill what it did, so the budgets are charged the call's worst case.
    const error = { kind: 'aborted', message: err instanceof Error ? err.message : String(err) };
    await finishModelCall(deps.db, startedId, { ...NOT_ANSWERED, error }, { tokens: worst.tokens, usd: worst.usd }).catch(() => undefined);
    throw err;
  }
  await observeModelLimits(deps.db, deps.client, spec.body.model, outcome, deps.config.maxRetryAfterMs);
  return outcome;
}

/** Sends one call and records it; throws the engine's typed errors for provider and transport failures. */
export async function sendRecordedCall(deps: CallDeps, spec: RecordedCallSpec): Promise<RecordedCall> {
  const { model } = spec.body;
  const kind = spec.record.kind;
  const batch = spec.batchAnswer;
  // The batch's owner is asked for while the slot is awaited (once per batch and process); a
  // Batch API answer takes no slot: nothing is sent.
  const [tenant] = await Promise.all([
    tenantOfBatch(deps.db, spec.record.batchId),
    batch === undefined
      ? acquireModelSlot(deps.db, deps.client, model, estimateCallTokens(spec.messages, spec.body.max_completion_tokens), spec.signal)
      : undefined,
  ]);
  // Recorded before it is sent, so a worker killed while the provider answers leaves a record
  // of the call instead of spent money no record shows. Its worst case is reserved against the
  // tenant's and the batch's budgets in the same statement. A Batch API answer is marked `via:
  // 'batch'` and priced at the batch rate (`BATCH_PRICE_FACTOR`).
  const prices = pricesOf(deps.config);
  const worst = worstCase(prices, spec.body);
  const record = { ...spec.record, messages: spec.messages, ...(batch ? { via: 'batch' as const } : {}) };
  const start = await startModelCall(deps.db, record, spec.budget, { tenant, tokens: worst.tokens, usd: worst.usd });
  if (start.kind === 'refused') {
    if (start.by === 'attempts') return { kind: 'refused' };
    observeBudgetRefusal(deps.metrics, start.by);
    throw budgetRefusal(start.by, model, tenant, worst);
  }
  const started = start.record;
  const ledger = spec.ledger;
  ledger.started();
  const finish = (o: Partial<ModelCallOutcome>) => {
    const outcome = { ...NOT_ANSWERED, ...o };
    ledger.finished(outcome);
    return finishModelCall(deps.db, started.id, outcome);
  };
  const finishLater = (o: Partial<ModelCallOutcome>) => ledger.defer(finish(o));
  const outcome = batch ?? (await sendLive(deps, spec, started.id, worst));
  if (outcome.kind === 'error') {
    const next = await stepDownOutputMode(deps.db, deps.client, model, spec.output, outcome.error);
    if (next !== null) {
      // The server refused the output mode, not the ask: recorded, not counted, retried at once.
      const message = `${spec.output.mode} not supported here (${outcome.error.message}); retrying with ${next}`;
      await finish({ error: { kind: 'output_mode_unsupported', mode: spec.output.mode, next, message } });
      observeCall(deps.metrics, kind, 'error', null);
      return { kind: 'step_down', output: { mode: next, configured: false } };
    }
    const error = clampRetryAfter(outcome.error, deps.config.maxRetryAfterMs);
    await finish({ error });
    observeCall(deps.metrics, kind, 'error', null);
    throw errorForModelFailure(error);
  }
  const listed = prices.cost(model, outcome.usage);
  const costUsd = listed === null || batch === undefined ? listed : listed * BATCH_PRICE_FACTOR;
  observeCost(deps.metrics, tenant, model, costUsd);
  const answered: Partial<ModelCallOutcome> = {
    counted: spec.budget !== 'uncounted',
    rawOutput: outcome.content ?? outcome.toolArguments,
    finishReason: outcome.finishReason,
    promptTokens: outcome.usage.promptTokens,
    completionTokens: outcome.usage.completionTokens,
    cachedTokens: outcome.usage.cachedTokens,
    reasoningTokens: outcome.usage.reasoningTokens,
    costUsd,
    latencyMs: outcome.latencyMs,
  };
  return { kind: 'completion', outcome, answered, finish, finishLater };
}

/**
 * A call its batch's or tenant's budget refused: nothing was sent. The job dead-letters with
 * reason `budget` (a DLQ replay after raising the limit, or in the tenant's next period, goes on).
 */
function budgetRefusal(by: 'tenant' | 'batch', model: string, tenant: string, worst: { tokens: number; usd: number | null }): PermanentError {
  const cost = worst.usd === null ? `model ${model} has no price` : `worst case $${worst.usd.toFixed(6)}`;
  const message =
    by === 'batch'
      ? `the batch's budget (maxTokens / maxCostUsd) cannot cover another call (${worst.tokens} tokens, ${cost}); replay with a higher limit`
      : `tenant ${JSON.stringify(tenant)} has no budget left this period for another call (${worst.tokens} tokens, ${cost})`;
  return new PermanentError(DEAD_REASONS.budget, message, { budget: by, worstTokens: worst.tokens, worstUsd: worst.usd });
}
