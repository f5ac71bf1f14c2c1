import type { Executor } from '../db/client.js';
import { countBudgetUsed, latestDraftState } from '../db/quiz/index.js';
import { PermanentError } from '../engine/errors.js';
import type { ClaimedJob } from '../engine/types.js';
import type { ModelClient } from '../model/client.js';
import { optionsPerQuestion, priorityOf, requestedType, type BatchRequest } from '../../schemas/batch-request.js';
import type { ChatRequestBody } from '../model/chat.js';
import { questionsJsonSchema, type AnyQuestion } from '../../schemas/question.js';
import { tokenLimit, type QuizConfig } from './config.js';
import { applyOutput, applyTruncation, isDraftState, type DraftState, type VerifyMark } from './draft.js';
import { generateMessages, pipelineVersions, promptVersion, repairMessages, type ChatMessage } from './messages.js';
import { observeCall, type QuizMetrics } from './metrics.js';
import { chooseOutputMode, quizOutputRequest, quizOutputText, type ModeChoice } from './output.js';
import { economyAnswer } from './economy-answer.js';
import { DEAD_REASONS } from './policy.js';
import { sendRecordedCall } from './model-call.js';
import { forgetVerification, verificationOf, verificationSettled, verifyDraft } from './verify-call.js';
import type { Prompts } from './prompts.js';
import { formatIssuesForPrompt, type Flaw } from './validate/index.js';
import { loadExisting, type ExistingQuestion } from './existing.js';
import type { Section } from '../sources/types.js';
import type { CallLedger } from './call-ledger.js';

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
  /** Batch position of this job's first question (decides the true/false plan); 0 for assemble. */
  offset?: number;
  /** With a source: all its sections (evidence may sit in any) and the ones this job's prompt quotes. */
  material?: { sections: readonly Section[]; shown: readonly Section[] } | undefined;
  /** The draft to start from when this job has recorded none. */
  initial: () => DraftState;
  signal: AbortSignal;
  /** This handler run's calls: their usage, and the outcome writes still in flight. */
  ledger: CallLedger;
}

/** A job's validated questions, how each key was verified (by position), and the flaw warnings that stayed. */
export interface GeneratedQuestions {
  questions: AnyQuestion[];
  verification: VerifyMark[];
  warnings: Flaw[];
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
 * Once every rule holds, the keys are verified (`verify-call.ts`); a dispute reopens the draft.
 * Returns the validated questions; throws the engine's typed errors per the failure policy.
 */
export async function generateQuestions(deps: GenerationDeps, spec: GenerationSpec): Promise<GeneratedQuestions> {
  const { job, request } = spec;
  const budget = request.maxAttempts;
  // A first run has recorded nothing to resume, so it skips the two reads; the pipeline is
  // bound by its model, and each round trip before the call is time a slot idles.
  const firstRun = isFirstRun(job);
  let [used, draft] = firstRun
    ? [0, spec.initial()]
    : await Promise.all([countBudgetUsed(deps.db, job.id, spec.epoch), resumeDraft(deps.db, spec)]);
  // Only chunks check against earlier batches; assemble's draft is made of chunk results that passed.
  const existing = spec.jobKind === 'chunk' ? await loadExisting(deps.db, request.distinctFrom) : [];
  const versions = pipelineVersions(deps.prompts);
  const version = promptVersion(deps.prompts, request);
  const model = request.model ?? deps.client.model;
  let output = await chooseOutputMode(deps.db, deps.client, model);
  const offset = spec.offset ?? 0;
  const shown = spec.material?.shown;

  const vspec = { job, batchId: spec.batchId, jobKind: spec.jobKind, epoch: spec.epoch, request, signal: spec.signal, versions, ledger: spec.ledger };
  for (;;) {
    while (draft.done === null) {
      if (used >= budget) throw exhausted(draft, used, budget);
      const { targets, kind, maxTokens, messages, body } = generationCall(deps, { request, draft, offset, shown, existing, output, model });
      // An economy chunk's very first ask may already be answered by the provider's Batch API.
      const firstAsk = kind === 'generate' && used === 0 && spec.epoch === 0 && spec.jobKind === 'chunk';
      const batchAnswer = firstAsk && priorityOf(request) === 'economy' ? await economyAnswer(deps.db, job.id) : null;
      // `count` is the batch's (what a client submits, as `fixtures list` shows it); `questions` this call's.
      const meta = {
        topic: request.topic ?? '',
        count: request.count,
        questions: targets.length,
        options: request.options,
        ...(request.type === undefined ? {} : { type: request.type }),
        difficulty: request.difficulty,
        language: request.language,
        kind,
        job: spec.jobKind,
        attempt: used + 1,
        epoch: spec.epoch,
        mode: output.mode,
        versions,
      };
      const sent = await sendRecordedCall(deps, {
        record: { jobId: job.id, batchId: spec.batchId, jobAttempt: job.attempt, epoch: spec.epoch, kind, model, promptVersion: version },
        budget,
        messages,
        body,
        output,
        meta,
        signal: spec.signal,
        ledger: spec.ledger,
        ...(batchAnswer === null ? {} : { batchAnswer }),
      });
      if (sent.kind === 'refused') throw exhausted(draft, await countBudgetUsed(deps.db, job.id, spec.epoch), budget);
      if (sent.kind === 'step_down') {
        output = sent.output;
        continue;
      }
      const { outcome, answered, finish, finishLater } = sent;
      if (outcome.refusal !== null || outcome.finishReason === 'content_filter') {
        const message = outcome.refusal ?? 'the provider filtered the answer (finish_reason "content_filter")';
        await finish({ ...answered, error: { kind: 'refusal', message } });
        observeCall(deps.metrics, kind, 'refusal', outcome.usage);
        throw new PermanentError(DEAD_REASONS.refusal, `model refused: ${message}`, { finishReason: outcome.finishReason });
      }
      used += 1;
      if (outcome.finishReason === 'length') {
        draft = applyTruncation(draft);
        const message = `answer cut off at the ${maxTokens}-token limit (finish_reason "length"); the next call gets a larger limit`;
        await finish({ ...answered, error: { kind: 'truncated', message }, state: draft });
        observeCall(deps.metrics, kind, 'truncated', outcome.usage);
        continue;
      }
      const extracted = quizOutputText(outcome);
      const applied = applyOutput(forgetVerification(draft, targets), targets, extracted.text, spec.material?.sections, existing);
      draft = applied.draft;
      const normalisations = [...extracted.normalisations, ...applied.normalisations];
      // Written beside the next step (the next call, or the handler's return): see CallLedger.
      finishLater({ ...answered, issues: applied.issues, normalisations, state: draft });
      observeCall(deps.metrics, kind, applied.issues.length === 0 ? 'valid' : 'invalid', outcome.usage);
    }
    if (verificationSettled(draft)) break;
    draft = await verifyDraft(deps, vspec, draft);
  }
  const marks = verificationOf(draft).marks.map((m) => m ?? 'unverified');
  return { questions: draft.done, verification: marks, warnings: draft.warnings ?? [] };
}

/**
 * A job's first run ever (attempt 1, no history: every retry, release, lease loss and replay
 * leaves an entry): nothing recorded before it, so there is nothing to resume and its usage is
 * exactly what this run's calls add up to.
 */
export function isFirstRun(job: Pick<ClaimedJob, 'attempt' | 'errors'>): boolean {
  return job.attempt === 1 && job.errors.length === 0;
}

/** One call of the loop as it would be sent: a generation ask for an untouched draft, else a targeted repair. */
export interface GenerationCall {
  targets: number[];
  kind: 'generate' | 'repair';
  maxTokens: number;
  messages: ChatMessage[];
  body: ChatRequestBody & { model: string; max_completion_tokens: number };
}

/**
 * The next call for `draft`, built one way for the live loop and for the economy job's Batch API
 * input, so a batch answers exactly the ask a live call would have made.
 */
export function generationCall(
  deps: Pick<GenerationDeps, 'prompts' | 'config'>,
  a: { request: BatchRequest; draft: DraftState; offset: number; shown: readonly Section[] | undefined; existing: readonly ExistingQuestion[]; output: ModeChoice; model: string },
): GenerationCall {
  const { request, draft, offset, shown, existing } = a;
  const targets = draft.failing;
  const kind = draft.previous === null ? 'generate' : 'repair';
  const prompt: ChatMessage[] =
    kind === 'generate'
      ? generateMessages(deps.prompts, request, targets.length, targets.map((t) => t + offset), shown, existing)
      : repairMessages(deps.prompts, request, draft, offset, shown, existing);
  const maxTokens = tokenLimit(deps.config, targets.length, draft.truncations);
  const { fields, messages } = quizOutputRequest(a.output.mode, prompt, targets.length, outputSchema(request, targets.length, shown));
  return { targets, kind, maxTokens, messages, body: { model: a.model, messages, ...fields, max_completion_tokens: maxTokens } };
}

/** The strict JSON Schema for `count` questions of the request's type. */
function outputSchema(request: BatchRequest, count: number, shown: readonly Section[] | undefined): Record<string, unknown> {
  const sectionIds = shown?.map((s) => s.id);
  return questionsJsonSchema({ type: requestedType(request), count, options: optionsPerQuestion(request), language: request.language, sectionIds });
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
  if (s.count !== initial.count || s.options !== initial.options || s.type !== initial.type) return initial;
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
