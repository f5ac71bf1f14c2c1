/**
 * Key verification inside the repair loop (issue 10, part 1): once a job's draft passes the
 * validator, one call (kind `verify`, recorded, outside `maxAttempts`) asks a model to answer the
 * not-yet-verified questions as a student would. Agreement marks them `model`; a dispute goes back
 * into the draft as an `answer_disputed` issue, so the same targeted repair loop regenerates those
 * positions (and the replacement is verified again); an unusable answer is retried once, then the
 * question is `unverified` (or, with `verify: "required"`, the job dead-letters with reason
 * `verification`). The verification state travels in the draft, which is stored with every call.
 */
import { PermanentError } from '../engine/errors.js';
import type { ClaimedJob } from '../engine/types.js';
import type { AnyQuestion } from '../../schemas/question.js';
import { verifyModeOf, type BatchRequest } from '../../schemas/batch-request.js';
import type { DraftState, VerificationState, VerifyMark } from './draft.js';
import type { ChatMessage } from './messages.js';
import { observeCall, observeVerification } from './metrics.js';
import type { CallLedger } from './call-ledger.js';
import { sendRecordedCall, type CallDeps } from './model-call.js';
import { chooseOutputMode, quizOutputText, structuredOutputRequest } from './output.js';
import { DEAD_REASONS } from './policy.js';
import type { Issue } from './validate/index.js';
import {
  VERIFICATION_SCHEMA_NAME,
  VERIFY_SYSTEM,
  reconcile,
  verificationAsk,
  verificationItems,
  verificationJsonSchema,
  verificationVersion,
  type Verdict,
} from './verify.js';

/** An unusable answer is retried once: the second unusable one settles the question. */
const UNUSABLE_LIMIT = 2;

export interface VerifySpec {
  job: ClaimedJob;
  batchId: string;
  jobKind: 'chunk' | 'assemble';
  epoch: number;
  request: BatchRequest;
  signal: AbortSignal;
  /** Cassette meta shared with the job's other calls (prompt and schema versions). */
  versions: Record<string, string>;
  ledger: CallLedger;
}

/** The draft's verification state, empty (nothing verified) when it has none. */
export function verificationOf(draft: Pick<DraftState, 'count' | 'verification'>): VerificationState {
  const v = draft.verification;
  if (v !== undefined && v.marks.length === draft.count && v.unusable.length === draft.count) return v;
  return { marks: new Array<VerifyMark | null>(draft.count).fill(null), unusable: new Array<number>(draft.count).fill(0) };
}

/** Positions just regenerated lose their verification: a new question (or a kept key) is verified again. */
export function forgetVerification(draft: DraftState, targets: readonly number[]): DraftState {
  if (draft.verification === undefined) return draft;
  const v = verificationOf(draft);
  const marks = [...v.marks];
  const unusable = [...v.unusable];
  for (const t of targets) {
    marks[t] = null;
    unusable[t] = 0;
  }
  return { ...draft, verification: { marks, unusable } };
}

/** True when a done draft needs no more verification (every position marked). */
export function verificationSettled(draft: DraftState): boolean {
  return verificationOf(draft).marks.every((m) => m !== null);
}

/** The verifier model: QUIZFORGE_VERIFY_MODEL, else the request's, else the client's. */
export function verifierModel(deps: CallDeps, request: BatchRequest): string {
  return deps.config.verifyModel ?? request.model ?? deps.client.model;
}

/**
 * One verification step over a done draft: marks `off` without a call when the request says so,
 * else sends one `quiz_verification` call for the unmarked positions and folds the verdicts in.
 * Returns the next draft: still done (maybe with positions left to retry), or not done, with the
 * disputed positions failing. Throws the engine's typed errors per the failure policy.
 */
export async function verifyDraft(deps: CallDeps, spec: VerifySpec, draft: DraftState): Promise<DraftState> {
  const done = draft.done;
  if (done === null) throw new Error('verifyDraft needs a done draft');
  const state = verificationOf(draft);
  const pending = state.marks.flatMap((m, i) => (m === null ? [i] : []));
  if (pending.length === 0) return { ...draft, verification: state };
  if (verifyModeOf(spec.request) === 'off') {
    observeVerification(deps.metrics, 'off', pending.length);
    return { ...draft, verification: { ...state, marks: state.marks.map((m) => m ?? 'off') } };
  }
  const questions = pending.map((p) => done[p] as AnyQuestion);
  const first = questions[0];
  const type = first !== undefined && 'type' in first ? first.type : 'single';
  // The shuffle's seed is the content (not a database id), so a replayed run sends the same request.
  const round = Math.max(...pending.map((p) => state.unusable[p] ?? 0));
  const items = verificationItems(questions, `${spec.jobKind}:${round}:${questions.map((q) => q.question).join('\n')}`);
  const model = verifierModel(deps, spec.request);
  const prompt: ChatMessage[] = [
    { role: 'system', content: VERIFY_SYSTEM },
    { role: 'user', content: verificationAsk(items, type) },
  ];
  let output = await chooseOutputMode(deps.db, deps.client, model);
  for (;;) {
    const { fields, messages } = structuredOutputRequest(output.mode, prompt, {
      name: VERIFICATION_SCHEMA_NAME,
      description: `an object {"answers": [...]} with one answer for each of the ${items.length} question${items.length === 1 ? '' : 's'}`,
      schema: verificationJsonSchema(type),
    });
    const maxTokens = Math.min(deps.config.maxTokensCap, 200 + 120 * items.length);
    const sent = await sendRecordedCall(deps, {
      record: { jobId: spec.job.id, batchId: spec.batchId, jobAttempt: spec.job.attempt, epoch: spec.epoch, kind: 'verify', model, promptVersion: verificationVersion() },
      budget: 'uncounted',
      messages,
      body: { model, messages, ...fields, max_completion_tokens: maxTokens },
      output,
      meta: {
        topic: spec.request.topic ?? '',
        count: spec.request.count,
        questions: items.length,
        options: spec.request.options,
        ...(spec.request.type === undefined ? {} : { type: spec.request.type }),
        kind: 'verify',
        job: spec.jobKind,
        attempt: round + 1,
        epoch: spec.epoch,
        mode: output.mode,
        versions: spec.versions,
      },
      signal: spec.signal,
      ledger: spec.ledger,
    });
    if (sent.kind === 'refused') throw new Error('an uncounted call cannot be refused by the budget');
    if (sent.kind === 'step_down') {
      output = sent.output;
      continue;
    }
    const { outcome } = sent;
    // A refusal, a filtered or a cut-off answer verifies nothing: every question's answer is unusable.
    const broken = outcome.refusal !== null || outcome.finishReason === 'content_filter' || outcome.finishReason === 'length';
    const text = broken ? '' : quizOutputText(outcome).text;
    const verdicts = reconcile(questions, text, pending);
    const next = fold(draft, state, pending, verdicts);
    const unusable = verdicts.flatMap((v) => (v.kind === 'unusable' ? [{ path: `questions[${pending[v.question] ?? 0}]`, code: 'verification_unusable', message: v.reason }] : []));
    const issues = [...next.disputes, ...unusable];
    const required = verifyModeOf(spec.request) === 'required' && next.givenUp.length > 0;
    // Dead-lettering under `required` records those positions as not yet verified, with fresh
    // tries, so a DLQ replay asks the verifier again instead of resuming "unverified".
    const recorded = required ? forgetVerification(next.draft, next.givenUp) : next.draft;
    // Written beside the next step (a repair, or the handler's return): see CallLedger.
    sent.finishLater({ ...sent.answered, issues, state: recorded, error: broken ? { kind: 'verification_unusable', message: outcome.refusal ?? `finish_reason ${JSON.stringify(outcome.finishReason)}` } : null });
    observeCall(deps.metrics, 'verify', issues.length === 0 ? 'valid' : 'invalid', outcome.usage);
    for (const v of verdicts) observeVerification(deps.metrics, v.kind);
    if (next.givenUp.length > 0) {
      observeVerification(deps.metrics, 'unverified', next.givenUp.length);
      if (required) {
        const where = next.givenUp.map((p) => `questions[${p}]`).join(', ');
        throw new PermanentError(
          DEAD_REASONS.verification,
          `verify "required": the verifier gave no usable answer for ${where} in ${UNUSABLE_LIMIT} calls (${unusable.map((u) => u.message).join('; ')})`,
          { positions: next.givenUp },
        );
      }
    }
    return next.draft;
  }
}

/** The draft after one call's verdicts; `givenUp` are the positions now marked `unverified`. */
function fold(draft: DraftState, state: VerificationState, pending: readonly number[], verdicts: readonly Verdict[]) {
  const marks = [...state.marks];
  const unusable = [...state.unusable];
  const disputes: Issue[] = [];
  const givenUp: number[] = [];
  for (const v of verdicts) {
    const pos = pending[v.question];
    if (pos === undefined) continue;
    if (v.kind === 'agree') marks[pos] = 'model';
    else if (v.kind === 'dispute') disputes.push(v.issue);
    else {
      unusable[pos] = (unusable[pos] ?? 0) + 1;
      if ((unusable[pos] ?? 0) >= UNUSABLE_LIMIT) {
        marks[pos] = 'unverified';
        givenUp.push(pos);
      }
    }
  }
  const verification = { marks, unusable };
  if (disputes.length === 0) return { draft: { ...draft, verification }, disputes, givenUp };
  const disputed = new Set(disputes.map((d) => Number(/^questions\[(\d+)\]/.exec(d.path)?.[1] ?? -1)));
  const failing = [...disputed].filter((p) => p >= 0).sort((a, b) => a - b);
  const repaired: DraftState = {
    ...draft,
    accepted: draft.accepted.map((q, i) => (disputed.has(i) ? null : q)),
    issues: disputes,
    failing,
    previous: JSON.stringify({ questions: draft.done }, null, 2),
    done: null,
    verification,
  };
  return { draft: repaired, disputes, givenUp };
}
