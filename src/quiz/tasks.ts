import type { Executor } from '../db/client.js';
import { insertQuestions, touchBatch, usageByJob } from '../db/quiz/index.js';
import type { Engine } from '../engine/index.js';
import { PermanentError } from '../engine/errors.js';
import type { ClaimedJob, HandlerContext, HandlerSuccess, Job, TaskDefinition } from '../engine/types.js';
import { optionsPerQuestion } from '../../schemas/batch-request.js';
import { balanceQuestions } from './balance.js';
import { questionQualities } from './quality.js';
import { draftFromQuestions, emptyDraft, type DraftState, type VerifyMark } from './draft.js';
import { CallLedger } from './call-ledger.js';
import { generateQuestions, isFirstRun, replayEpoch, type GeneratedQuestions, type GenerationDeps, type GenerationSpec } from './generate.js';
import {
  AssemblePayloadSchema,
  ChunkPayloadSchema,
  ChunkResultSchema,
  QUEUES,
  parseOwn,
  type AssembleResult,
  type ChunkResult,
} from './payloads.js';
import { tracedTask } from './task-trace.js';
import { chunkMaterial, sourceSections } from './chunk-material.js';
import { economyTask } from './economy.js';

export interface TaskDeps extends GenerationDeps {
  events: Engine['events'];
}

/** Event names the pipeline adds to the engine's journal (SSE forwards them as they are). */
export const BATCH_EVENTS = { succeeded: 'batch.succeeded', failed: 'batch.failed', cancelled: 'batch.cancelled' } as const;

function batchIdOf(job: Job): string | null {
  const payload = job.payload;
  if (payload !== null && typeof payload === 'object' && 'batchId' in payload && typeof payload.batchId === 'string') {
    return payload.batchId;
  }
  return job.groupId;
}

/** A dead chunk or assemble fails its batch: say so in the journal, in the dead-lettering transaction. */
function onDeadFor(deps: TaskDeps, kind: 'chunk' | 'assemble' | 'economy') {
  return async (tx: Executor, job: Job): Promise<void> => {
    const batchId = batchIdOf(job);
    await deps.events.append(tx, {
      jobId: job.id,
      groupId: batchId,
      type: BATCH_EVENTS.failed,
      data: { batchId, jobId: job.id, state: 'failed', kind, reason: job.deadReason },
    });
    if (batchId !== null) await touchBatch(tx, batchId);
  };
}

/** `quiz.chunk`: generates one chunk's questions through the repair loop. */
export function chunkTask(deps: TaskDeps): TaskDefinition {
  return {
    async handler(job: ClaimedJob, ctx: HandlerContext): Promise<HandlerSuccess> {
      const p = parseOwn(ChunkPayloadSchema, job.payload, 'chunk payload');
      const { generated, usage, pending } = await generateRecorded(deps, {
        material: await chunkMaterial(deps.db, p),
        job,
        batchId: p.batchId,
        jobKind: 'chunk',
        epoch: replayEpoch(job),
        request: p.request,
        offset: p.start,
        initial: () => emptyDraft(p.count, optionsPerQuestion(p.request), p.request),
        signal: ctx.signal,
      });
      const result: ChunkResult = {
        batchId: p.batchId,
        index: p.index,
        start: p.start,
        questions: generated.questions,
        verification: generated.verification,
        usage,
      };
      return { result, effects: (tx) => touchBatch(tx, p.batchId), ...(pending ? { pending } : {}) };
    },
    ...retryPolicy(deps),
    onDead: onDeadFor(deps, 'chunk'),
  };
}

/**
 * `quiz.assemble`: joins the chunks in order, replaces questions duplicated across chunks (through
 * the same recorded repair loop), spreads the correct answers over the positions with a seeded
 * shuffle, and persists the quiz in the completion transaction — idempotently.
 */
export function assembleTask(deps: TaskDeps): TaskDefinition {
  return {
    async handler(job: ClaimedJob, ctx: HandlerContext): Promise<HandlerSuccess> {
      const p = parseOwn(AssemblePayloadSchema, job.payload, 'assemble payload');
      const chunks = ctx.parents
        .map((parent) => parseOwn(ChunkResultSchema, parent.result, `result of job ${parent.id}`))
        .sort((a, b) => a.index - b.index);
      const all = chunks.flatMap((c) => c.questions);
      if (chunks.length !== p.chunks || all.length !== p.request.count) {
        throw new PermanentError(
          'payload',
          `assemble expected ${p.chunks} chunks with ${p.request.count} questions; got ${chunks.length} with ${all.length}`,
        );
      }
      const sections = await sourceSections(deps.db, p.request.sourceId);
      const { generated, usage, pending } = await generateRecorded(deps, {
        material: sections === null ? undefined : { sections, shown: sections },
        job,
        batchId: p.batchId,
        jobKind: 'assemble',
        epoch: replayEpoch(job),
        request: p.request,
        // The chunks verified their questions; only positions assemble replaces are verified again.
        initial: () => withVerification(draftFromQuestions(all, optionsPerQuestion(p.request), p.request, sections ?? undefined), chunkMarks(chunks)),
        signal: ctx.signal,
      });
      const balanced = balanceQuestions(generated.questions, p.batchId);
      const qualities = questionQualities(generated.verification, generated.warnings);
      const result: AssembleResult = { batchId: p.batchId, questions: balanced.length, usage };
      return {
        result,
        ...(pending ? { pending } : {}),
        effects: async (tx) => {
          const inserted = await insertQuestions(
            tx,
            p.batchId,
            balanced.map((q, position) => {
              const quality = qualities[position];
              return { position, ...q, ...(quality?.verified === 'human' ? { verified: 'human' as const } : {}), ...(quality === undefined ? {} : { quality }) };
            }),
          );
          // A re-run that found the quiz already stored announces nothing new.
          if (inserted > 0) {
            await deps.events.append(tx, {
              jobId: job.id,
              groupId: p.batchId,
              type: BATCH_EVENTS.succeeded,
              data: { batchId: p.batchId, jobId: job.id, state: 'succeeded', questions: balanced.length },
            });
          }
          await touchBatch(tx, p.batchId);
        },
      };
    },
    ...retryPolicy(deps),
    onDead: onDeadFor(deps, 'assemble'),
  };
}

/**
 * The repair loop with a ledger for this run's calls (see CallLedger). A first run's usage is
 * what its calls added up to, and its last outcome writes land after the handler returns
 * (`pending`); a later run waits for them and reads the job's whole record. On a failure the
 * writes land before it is reported, so a retry resumes from the last recorded draft.
 */
async function generateRecorded(
  deps: TaskDeps,
  spec: Omit<GenerationSpec, 'ledger'>,
): Promise<{ generated: GeneratedQuestions; usage: ChunkResult['usage']; pending: Promise<void> | null }> {
  const ledger = new CallLedger();
  let generated: GeneratedQuestions;
  try {
    generated = await generateQuestions(deps, { ...spec, ledger });
  } catch (err) {
    await ledger.settled().catch(() => undefined);
    throw err;
  }
  if (isFirstRun(spec.job)) return { generated, usage: ledger.usage, pending: ledger.settled() };
  await ledger.settled();
  return { generated, usage: await usageByJob(deps.db, spec.job.id), pending: null };
}

/**
 * How each question of the batch was verified, from the chunk results in order. A chunk result
 * without marks (stored before verification, or accepted by a reviewer) counts its reviewer-fixed
 * positions as `human` and the others as `unverified`.
 */
function chunkMarks(chunks: readonly ChunkResult[]): VerifyMark[] {
  return chunks.flatMap((c) => {
    const human = new Set(c.humanVerified ?? []);
    return c.questions.map((_, i): VerifyMark => (human.has(i) ? 'human' : (c.verification?.[i] ?? 'unverified')));
  });
}

function withVerification(draft: DraftState, marks: VerifyMark[]): DraftState {
  return { ...draft, verification: { marks, unusable: marks.map(() => 0) } };
}

function retryPolicy(deps: TaskDeps): Pick<TaskDefinition, 'retryBaseMs' | 'retryMaxMs'> {
  return {
    ...(deps.config.retryBaseMs !== undefined ? { retryBaseMs: deps.config.retryBaseMs } : {}),
    ...(deps.config.retryMaxMs !== undefined ? { retryMaxMs: deps.config.retryMaxMs } : {}),
  };
}

/** The pipeline's queues and their tasks, as a worker registers them. */
export function quizTasks(deps: TaskDeps): Record<string, TaskDefinition> {
  return {
    [QUEUES.chunk]: tracedTask(QUEUES.chunk, chunkTask(deps)),
    [QUEUES.assemble]: tracedTask(QUEUES.assemble, assembleTask(deps)),
    [QUEUES.economy]: tracedTask(QUEUES.economy, { ...economyTask(deps), ...retryPolicy(deps), onDead: onDeadFor(deps, 'economy') }),
  };
}
