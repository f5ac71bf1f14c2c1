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
import type { QuizConfig } from './config.js';
import type { ChatMessage } from './messages.js';
import { observeCall, type QuizMetrics } from './metrics.js';
import { stepDownOutputMode, type ModeChoice } from './output.js';
import { clampRetryAfter, errorForModelFailure } from './policy.js';
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
  | { kind: 'completion'; outcome: Completion; answered: Partial<ModelCallOutcome>; finish: (o: Partial<ModelCallOutcome>) => Promise<void> };

/** The live call itself; the provider's limits it reports are learnt for every worker. */
async function sendLive(deps: CallDeps, spec: RecordedCallSpec, finish: (o: Partial<ModelCallOutcome>) => Promise<void>): Promise<ChatOutcome> {
  let outcome: ChatOutcome;
  try {
    outcome = await callChat(deps.client, spec.body, { meta: spec.meta, signal: spec.signal });
  } catch (err) {
    // Cancelled by us (the worker is stopping or lost the job): no completion came back.
    await finish({ error: { kind: 'aborted', message: err instanceof Error ? err.message : String(err) } }).catch(() => undefined);
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
  if (batch === undefined) {
    await acquireModelSlot(deps.db, deps.client, model, estimateCallTokens(spec.messages, spec.body.max_completion_tokens), spec.signal);
  }
  // Recorded before it is sent, so a worker killed while the provider answers leaves a record
  // of the call instead of spent money no record shows. A Batch API answer is marked `via:
  // 'batch'`: the provider bills it at the batch price.
  // merge: cost — price `via = 'batch'` calls at the provider's batch rate (50% at OpenAI and Together).
  const started = await startModelCall(deps.db, { ...spec.record, messages: spec.messages, ...(batch ? { via: 'batch' as const } : {}) }, spec.budget);
  if (!started) return { kind: 'refused' };
  const finish = (o: Partial<ModelCallOutcome>) => finishModelCall(deps.db, started.id, { ...NOT_ANSWERED, ...o });
  const outcome = batch ?? (await sendLive(deps, spec, finish));
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
  const answered: Partial<ModelCallOutcome> = {
    counted: spec.budget !== 'uncounted',
    rawOutput: outcome.content ?? outcome.toolArguments,
    finishReason: outcome.finishReason,
    promptTokens: outcome.usage.promptTokens,
    completionTokens: outcome.usage.completionTokens,
    latencyMs: outcome.latencyMs,
  };
  return { kind: 'completion', outcome, answered, finish };
}
