import type { Executor } from '../db/client.js';
import { insertModelCall, latestDraftState, touchBatch, usageByJob } from '../db/quiz/index.js';
import type { Engine } from '../engine/index.js';
import { NotDeadError } from '../engine/errors.js';
import type { Job } from '../engine/types.js';
import { applyOutput, emptyDraft, isDraftState, type DraftState } from './draft.js';
import { verificationOf } from './verify-call.js';
import { replayEpoch } from './generate.js';
import { ChunkPayloadSchema, QUEUES, parseOwn, type ChunkPayload, type ChunkResult } from './payloads.js';
import type { Issue } from './validate/index.js';
import type { DlqReviewView, ReviewQuestionView } from './views.js';

/** The reviewer's questions do not validate: nothing was changed; HTTP answers 422 with the issues. */
export class AcceptRejectedError extends Error {
  override readonly name = 'AcceptRejectedError';
  constructor(readonly issues: Issue[]) {
    super(`the edited questions do not validate (${issues.length} issue(s)); nothing was changed`);
  }
}

/** Only a dead chunk can be accepted this way (an assemble has no questions of its own to edit). */
export class NotAcceptableError extends Error {
  override readonly name = 'NotAcceptableError';
  constructor(readonly jobId: number) {
    super(`job ${jobId} is not a quiz chunk; only a dead chunk's questions can be accepted`);
  }
}

/** Where a dead chunk's review starts: its last recorded draft (accepted and failing positions). */
export interface ReviewDraft {
  payload: ChunkPayload;
  draft: DraftState;
}

/** The dead chunk's payload and the draft it died with (a fresh one when it recorded none). */
export async function reviewDraft(db: Executor, job: Job): Promise<ReviewDraft> {
  if (job.queue !== QUEUES.chunk) throw new NotAcceptableError(job.id);
  const payload = parseOwn(ChunkPayloadSchema, job.payload, 'chunk payload');
  const initial = emptyDraft(payload.count, payload.request.options);
  const latest = await latestDraftState(db, job.id);
  const s = latest?.state;
  const draft = isDraftState(s) && s.count === initial.count && s.options === initial.options && s.done === null ? s : initial;
  return { payload, draft };
}

/**
 * A reviewer's fix of a dead chunk: `questions` replace the draft's failing positions, in order,
 * and are merged with the valid ones exactly as a targeted repair answer is, through the same
 * validator. Invalid → AcceptRejectedError, nothing written. Valid → in one transaction fenced on
 * state 'dead': the chunk succeeds with the merged questions (its descendants resume), a model-call
 * record of kind `human` names the reviewer, and the batch is touched.
 */
export async function acceptDeadChunk(
  deps: { db: Executor; engine: Engine },
  jobId: number,
  questions: readonly unknown[],
  reviewer: string,
): Promise<Job> {
  const job = await deps.engine.dlq.get(jobId);
  if (!job) throw new NotDeadError(jobId, (await deps.engine.getJob(jobId))?.state ?? null);
  const { payload, draft } = await reviewDraft(deps.db, job);
  const targets = draft.failing;
  const raw = JSON.stringify({ questions });
  const applied = applyOutput(draft, targets, raw);
  const done = applied.draft.done;
  if (done === null) throw new AcceptRejectedError(applied.draft.issues);
  const usage = await usageByJob(deps.db, jobId);
  const result: ChunkResult = {
    batchId: payload.batchId,
    index: payload.index,
    start: payload.start,
    questions: done,
    humanVerified: [...targets],
    // The reviewer vouches for the edited positions; the others keep what verification said of them.
    verification: verificationOf(applied.draft).marks.map((m, i) => (targets.includes(i) ? 'human' : (m ?? 'unverified'))),
    usage,
  };
  return deps.engine.dlq.complete(jobId, {
    result,
    effects: async (tx) => {
      await insertModelCall(tx, {
        jobId,
        batchId: payload.batchId,
        jobAttempt: job.attempt,
        epoch: replayEpoch(job),
        kind: 'human',
        counted: false,
        // For a `human` record the model column names who answered: the reviewer.
        model: reviewer,
        promptVersion: 'human',
        messages: [],
        rawOutput: raw,
        finishReason: null,
        issues: [],
        normalisations: applied.normalisations,
        cachedTokens: 0,
        reasoningTokens: 0,
        costUsd: null,
        promptTokens: 0,
        completionTokens: 0,
        latencyMs: 0,
        error: null,
        state: applied.draft,
      });
      await touchBatch(tx, payload.batchId);
    },
  });
}

/** The review form's content: every position of the draft, the valid ones flagged, with its issues. */
export async function reviewView(db: Executor, job: Job): Promise<DlqReviewView | null> {
  if (job.queue !== QUEUES.chunk) return null;
  const review = await reviewDraft(db, job).catch(() => null); // an unreadable payload: nothing to review
  if (!review) return null;
  const { payload, draft } = review;
  const failing = new Set(draft.failing);
  const questions = draft.items.map((item, position): ReviewQuestionView => {
    const source = failing.has(position) ? item : (draft.accepted[position] ?? item);
    return { position, valid: !failing.has(position), ...lenientQuestion(source, payload.request.options) };
  });
  return { options: payload.request.options, questions, issues: draft.issues };
}

/** Whatever strings a rejected item holds, to prefill the form; never throws. */
function lenientQuestion(item: unknown, options: number): Omit<ReviewQuestionView, 'position' | 'valid'> {
  const o = item !== null && typeof item === 'object' ? (item as Record<string, unknown>) : {};
  const str = (v: unknown) => (typeof v === 'string' ? v : '');
  const opts = Array.isArray(o.options) ? o.options.map(str) : [];
  const key = typeof o.correctAnswer === 'number' && Number.isInteger(o.correctAnswer) ? o.correctAnswer : null;
  return {
    question: str(o.question),
    options: Array.from({ length: Math.max(options, opts.length) }, (_, i) => opts[i] ?? ''),
    correctAnswer: key !== null && key >= 0 && key < Math.max(options, opts.length) ? key : null,
    explanation: str(o.explanation),
  };
}
