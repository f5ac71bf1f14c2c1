import type { Executor } from '../db/client.js';
import { countBudgetUsed, insertModelCall, latestDraftState } from '../db/quiz/index.js';
import type { ModelCallInput } from '../db/quiz/index.js';
import { PermanentError } from '../engine/errors.js';
import type { ClaimedJob } from '../engine/types.js';
import { callChat } from '../model/chat.js';
import type { ModelClient } from '../model/client.js';
import type { BatchRequest } from '../../schemas/batch-request.js';
import { quizOutputJsonSchema, type Question } from '../../schemas/quiz-output.js';
import { tokenLimit, type QuizConfig } from './config.js';
import { applyOutput, applyTruncation, isDraftState, type DraftState } from './draft.js';
import { generateMessages, pipelineVersions, promptVersion, repairMessages, type ChatMessage } from './messages.js';
import { observeCall, type QuizMetrics } from './metrics.js';
import { DEAD_REASONS, errorForModelFailure } from './policy.js';
import type { Prompts } from './prompts.js';
import { formatIssuesForPrompt } from './validate/index.js';

/** What the generation loop needs from its surroundings. */
export interface GenerationDeps {
  /** Calls are recorded here, outside any job transaction, so they survive failures. */
  db: Executor;
  client: ModelClient;
  prompts: Prompts;
  config: QuizConfig;
  metrics?: QuizMetrics | undefined;
}

export interface GenerationSpec {
  job: ClaimedJob;
  batchId: string;
  jobKind: 'chunk' | 'assemble';
  /** Validation budget period (see `replayEpoch`). */
  epoch: number;
  request: BatchRequest;
  /** The draft to start from when this job has recorded none. */
  initial: () => DraftState;
  signal: AbortSignal;
}

/**
 * A job's budget period. Each death in the job's history (a dead-letter, or a lease lost on its last
 * attempt) ends one, so every DLQ replay — by whatever path — starts with a fresh validation budget,
 * while engine retries and crash recoveries keep spending the same one.
 */
export function replayEpoch(job: Pick<ClaimedJob, 'errors' | 'maxAttempts'>): number {
  return job.errors.filter((e) => e.outcome === 'dead' || (e.outcome === 'lease_expired' && e.attempt >= job.maxAttempts))
    .length;
}

/**
 * The repair loop: ask, validate, ask again for only the failing positions, until every rule holds
 * or the request's `maxAttempts` completions were spent in this epoch. Each call is recorded as it
 * happens, with the draft it left behind, so a retried or replayed job resumes rather than restarts.
 * Returns the validated questions; throws the engine's typed errors per the failure policy.
 */
export async function generateQuestions(deps: GenerationDeps, spec: GenerationSpec): Promise<Question[]> {
  const { job, request } = spec;
  const budget = request.maxAttempts;
  let used = await countBudgetUsed(deps.db, job.id, spec.epoch);
  let draft = await resumeDraft(deps.db, spec);
  const versions = pipelineVersions(deps.prompts);
  const version = promptVersion(deps.prompts);
  const model = request.model ?? deps.client.model;

  while (draft.done === null) {
    if (used >= budget) throw exhausted(draft, used, budget);
    const targets = draft.failing;
    const kind = draft.previous === null ? 'generate' : 'repair';
    const messages: ChatMessage[] =
      kind === 'generate' ? generateMessages(deps.prompts, request, targets.length) : repairMessages(deps.prompts, request, draft);
    const maxTokens = tokenLimit(deps.config, targets.length, draft.truncations);
    const body = {
      model,
      messages,
      response_format: {
        type: 'json_schema' as const,
        json_schema: { name: 'quiz', strict: true, schema: quizOutputJsonSchema(targets.length, request.options) },
      },
      max_completion_tokens: maxTokens,
    };
    // `count` is the batch's (what a client submits, as `fixtures list` shows it); `questions` this call's.
    const meta = {
      topic: request.topic,
      count: request.count,
      questions: targets.length,
      options: request.options,
      difficulty: request.difficulty,
      language: request.language,
      kind,
      job: spec.jobKind,
      attempt: used + 1,
      epoch: spec.epoch,
      versions,
    };
    const outcome = await callChat(deps.client, body, { meta, signal: spec.signal });
    const record: ModelCallInput = {
      jobId: job.id,
      batchId: spec.batchId,
      jobAttempt: job.attempt,
      epoch: spec.epoch,
      kind,
      counted: false,
      model,
      promptVersion: version,
      messages,
      rawOutput: null,
      finishReason: null,
      issues: [],
      normalisations: [],
      promptTokens: 0,
      completionTokens: 0,
      latencyMs: 0,
      error: null,
      state: null,
    };
    if (outcome.kind === 'error') {
      await insertModelCall(deps.db, { ...record, error: outcome.error });
      observeCall(deps.metrics, kind, 'error', null);
      throw errorForModelFailure(outcome.error);
    }
    const answered: ModelCallInput = {
      ...record,
      counted: true,
      rawOutput: outcome.content,
      finishReason: outcome.finishReason,
      promptTokens: outcome.usage.promptTokens,
      completionTokens: outcome.usage.completionTokens,
      latencyMs: outcome.latencyMs,
    };
    if (outcome.refusal !== null || outcome.finishReason === 'content_filter') {
      const message = outcome.refusal ?? 'the provider filtered the answer (finish_reason "content_filter")';
      await insertModelCall(deps.db, { ...answered, error: { kind: 'refusal', message } });
      observeCall(deps.metrics, kind, 'refusal', outcome.usage);
      throw new PermanentError(DEAD_REASONS.refusal, `model refused: ${message}`, { finishReason: outcome.finishReason });
    }
    used += 1;
    if (outcome.finishReason === 'length') {
      draft = applyTruncation(draft);
      const message = `answer cut off at the ${maxTokens}-token limit (finish_reason "length"); the next call gets a larger limit`;
      await insertModelCall(deps.db, { ...answered, error: { kind: 'truncated', message }, state: draft });
      observeCall(deps.metrics, kind, 'truncated', outcome.usage);
      continue;
    }
    const applied = applyOutput(draft, targets, outcome.content ?? '');
    draft = applied.draft;
    await insertModelCall(deps.db, { ...answered, issues: applied.issues, normalisations: applied.normalisations, state: draft });
    observeCall(deps.metrics, kind, applied.issues.length === 0 ? 'valid' : 'invalid', outcome.usage);
  }
  return draft.done;
}

/**
 * The draft to continue from: the latest one this job recorded, in any epoch (after a DLQ replay
 * the repair conversation continues from where it died), unless it describes another shape.
 */
async function resumeDraft(db: Executor, spec: GenerationSpec): Promise<DraftState> {
  const initial = spec.initial();
  const latest = await latestDraftState(db, spec.job.id);
  if (!latest || !isDraftState(latest.state)) return initial;
  const s = latest.state;
  if (s.count !== initial.count || s.options !== initial.options) return initial;
  // A new epoch gets its own token budget growth, but keeps what was learnt about the content.
  return latest.epoch === spec.epoch ? s : { ...s, truncations: 0 };
}

function exhausted(draft: DraftState, used: number, budget: number): PermanentError {
  const summary = draft.issues.length > 0 ? formatIssuesForPrompt(draft.issues, 5) : '(answers were cut off by the token limit)';
  return new PermanentError(
    DEAD_REASONS.validation,
    `no valid answer after ${used} model call(s) (maxAttempts ${budget}); ${draft.failing.length} question(s) still failing:\n${summary}`,
    { issues: draft.issues, failing: draft.failing, attempts: used },
  );
}
