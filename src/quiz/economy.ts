/**
 * `quiz.economy`: the first job of a `priority: "economy"` batch. It sends every chunk's first
 * call through the provider's Batch API as one JSONL file, snoozes (no worker slot held, no
 * attempt spent) until the provider batch ends, and stores each answer for its chunk; the chunks
 * then run the usual validator and repair loop on it (repairs go live). Whatever the Batch API
 * could not answer — no Batch API, a failed batch, an expired one's missing lines — runs live,
 * and the batch view says so.
 */
import { randomUUID } from 'node:crypto';
import {
  getEconomyBatch,
  listBatchJobsOnQueue,
  noteEconomyPoll,
  noteProviderStatus,
  openEconomyBatch,
  recordEconomyInput,
  recordProviderBatch,
  settleEconomyBatch,
  touchBatch,
  type EconomyAnswer,
  type EconomyMode,
  type EconomyRecord,
} from '../db/quiz/index.js';
import { SnoozeError } from '../engine/errors.js';
import type { ClaimedJob, HandlerContext, HandlerSuccess, TaskDefinition } from '../engine/types.js';
import {
  BatchApiError,
  cancelProviderBatch,
  createProviderBatch,
  downloadBatchLines,
  findProviderBatch,
  isBatchApiMissing,
  retrieveProviderBatch,
  uploadBatchInput,
  type BatchInputLine,
  type BatchOutputLine,
  type ProviderBatch,
} from '../model/batch-api.js';
import { completionOutcome } from '../model/chat.js';
import { optionsPerQuestion } from '../../schemas/batch-request.js';
import { bulkFitsBudgets } from '../accounts/budgets.js';
import { tenantOfBatch } from './batch-tenant.js';
import { chunkMaterial } from './chunk-material.js';
import { pricesOf } from './config.js';
import { emptyDraft } from './draft.js';
import { loadExisting, type ExistingQuestion } from './existing.js';
import { generationCall, type GenerationCall, type GenerationDeps } from './generate.js';
import { chooseOutputMode } from './output.js';
import { ChunkPayloadSchema, EconomyPayloadSchema, QUEUES, parseOwn, type EconomyResult } from './payloads.js';
import { errorForModelFailure } from './policy.js';

/** The provider batch's metadata key holding the economy row's token. */
export const TOKEN_KEY = 'quizforge_token';

const WAITING = new Set(['validating', 'in_progress', 'finalizing', 'cancelling']);
const TRANSIENT = new Set(['rate_limited', 'server_error', 'timeout', 'connection', 'unknown']);
/** The calls whose 404 means the provider has no Batch API (a later 404 is a lost batch or file). */
const SUBMITS = new Set(['files.create', 'batches.create']);

/** The budgets cannot hold the whole provider batch up front (see `bulkFitsBudgets`). */
class OverBudget extends Error {}

/** custom_id of a chunk's first call: the chunk job and its call number (always 1: the first ask). */
export function customIdFor(jobId: number): string {
  return `job-${jobId}-call-1`;
}

function jobIdOf(customId: string): number | null {
  const m = /^job-(\d+)-call-1$/.exec(customId);
  return m?.[1] === undefined ? null : Number(m[1]);
}

/** The economy task (its retry policy and onDead hook are added where the tasks are registered). */
export function economyTask(deps: GenerationDeps): Pick<TaskDefinition, 'handler'> {
  return {
    async handler(job: ClaimedJob, ctx: HandlerContext): Promise<HandlerSuccess> {
      const { batchId } = parseOwn(EconomyPayloadSchema, job.payload, 'economy payload');
      const rec = await openEconomyBatch(deps.db, batchId, randomUUID());
      if (deps.client.mode !== 'live') {
        return settled(batchId, rec.requests, 'live-fallback', `the model runs from recorded fixtures (${deps.client.mode} mode), which hold no Batch API exchanges: every chunk is answered by a live (replayed) call`, []);
      }
      let providerId = rec.providerBatchId;
      try {
        providerId ??= await submit(deps, rec, ctx.signal);
        const batch = await retrieveProviderBatch(deps.client, providerId, ctx.signal);
        await noteEconomyPoll(deps.db, batchId, batch.status);
        if (WAITING.has(batch.status)) throw new SnoozeError(deps.config.economyPollMs, `provider batch ${batch.id} is ${batch.status}`);
        const requests = (await getEconomyBatch(deps.db, batchId))?.requests ?? 0;
        return await collect(deps, batchId, requests, batch, ctx.signal);
      } catch (err) {
        if (err instanceof OverBudget) return settled(batchId, rec.requests, 'live-fallback', `${err.message}: every chunk runs live, reserving call by call`, []);
        if (!(err instanceof BatchApiError)) throw err;
        // Transient trouble is retried by the engine; on the last attempt the batch goes live instead of failing.
        if (TRANSIENT.has(err.error.kind) && job.attempt < job.maxAttempts) throw errorForModelFailure(err.error);
        const cancelled = providerId === null ? '' : await cancelQuietly(deps, providerId, ctx.signal);
        const why = isBatchApiMissing(err) && SUBMITS.has(err.operation)
          ? `the provider has no Batch API (${err.operation} answered HTTP ${err.error.status ?? '?'})`
          : `the Batch API failed (${err.operation}: ${err.error.kind}${err.error.status === undefined ? '' : ` HTTP ${err.error.status}`}: ${err.error.message})`;
        return settled(batchId, rec.requests, 'live-fallback', `${why}${cancelled}: every chunk runs live`, []);
      }
    },
  };
}

/**
 * After a quiz batch was cancelled: cancels its provider batch if one is still waiting, so the
 * provider stops working (and billing) for answers nobody will read, and records the status it
 * answered. Best effort: on failure the recorded status stays as it was (the view shows it), since
 * the quiz batch is cancelled either way.
 */
export async function cancelEconomyAtProvider(deps: Pick<GenerationDeps, 'db' | 'client'>, batchId: string): Promise<void> {
  const rec = await getEconomyBatch(deps.db, batchId);
  if (rec?.providerBatchId === null || rec?.providerBatchId === undefined || rec.mode !== null) return;
  try {
    const batch = await cancelProviderBatch(deps.client, rec.providerBatchId);
    await noteProviderStatus(deps.db, batchId, batch.status);
  } catch {
    // Left as last seen: the view's providerStatus says the provider batch was not cancelled.
  }
}

/**
 * Uploads the input and creates the provider batch, recording each id as it comes back. A run
 * that finds an input recorded but no batch (its predecessor died, or its create timed out, in
 * between) first looks for a provider batch carrying the row's token and adopts it; a batch that
 * loses the race to record its id (two holders of the job) is cancelled at once.
 */
async function submit(deps: GenerationDeps, rec: EconomyRecord, signal: AbortSignal): Promise<string> {
  const found = rec.inputFileId === null ? null : await findProviderBatch(deps.client, TOKEN_KEY, rec.token, 100, signal);
  if (found !== null) return claim(deps, rec.batchId, found, signal);
  const lines = await batchLines(deps, rec.batchId);
  if (rec.inputFileId === null) {
    const tenant = await tenantOfBatch(deps.db, rec.batchId);
    const over = await bulkFitsBudgets(deps.db, pricesOf(deps.config), { batchId: rec.batchId, tenant, bodies: lines.map((l) => l.body) });
    if (over !== null) throw new OverBudget(over);
  }
  const fileId = rec.inputFileId ?? (await uploadBatchInput(deps.client, lines, signal));
  await recordEconomyInput(deps.db, rec.batchId, fileId, lines.length);
  const created = await createProviderBatch(deps.client, fileId, { [TOKEN_KEY]: rec.token, quizforge_batch: rec.batchId }, signal);
  return claim(deps, rec.batchId, created, signal);
}

async function claim(deps: GenerationDeps, batchId: string, batch: ProviderBatch, signal: AbortSignal): Promise<string> {
  if (await recordProviderBatch(deps.db, batchId, batch.id, batch.status)) return batch.id;
  await cancelQuietly(deps, batch.id, signal);
  const winner = (await getEconomyBatch(deps.db, batchId))?.providerBatchId;
  if (winner === null || winner === undefined) throw new Error(`economy batch ${batchId} lost the race to record its provider batch, but none is recorded`);
  return winner;
}

async function cancelQuietly(deps: GenerationDeps, providerId: string, signal: AbortSignal): Promise<string> {
  try {
    await cancelProviderBatch(deps.client, providerId, signal);
    return ` (provider batch ${providerId} cancelled)`;
  } catch {
    return ` (provider batch ${providerId} could not be cancelled)`;
  }
}

/** Every chunk's first call, built exactly as the chunk would send it live. */
async function batchLines(deps: GenerationDeps, batchId: string): Promise<Array<BatchInputLine & { body: GenerationCall['body'] }>> {
  const chunks = await listBatchJobsOnQueue(deps.db, batchId, QUEUES.chunk);
  let existing: ExistingQuestion[] | null = null;
  const lines: Array<BatchInputLine & { body: GenerationCall['body'] }> = [];
  for (const c of chunks) {
    const p = parseOwn(ChunkPayloadSchema, c.payload, `payload of chunk ${c.id}`);
    existing ??= await loadExisting(deps.db, p.request.distinctFrom);
    const model = p.request.model ?? deps.client.model;
    const call = generationCall(deps, {
      request: p.request,
      draft: emptyDraft(p.count, optionsPerQuestion(p.request), p.request),
      offset: p.start,
      shown: (await chunkMaterial(deps.db, p))?.shown,
      existing,
      output: await chooseOutputMode(deps.db, deps.client, model),
      model,
    });
    lines.push({ customId: customIdFor(c.id), body: call.body });
  }
  return lines;
}

/** Reads a finished provider batch's output and error files into answers, and says what ran live. */
async function collect(deps: GenerationDeps, batchId: string, requests: number, batch: ProviderBatch, signal: AbortSignal): Promise<HandlerSuccess> {
  const ids = new Set((await listBatchJobsOnQueue(deps.db, batchId, QUEUES.chunk)).map((c) => c.id));
  const lines: BatchOutputLine[] = [];
  for (const fileId of [batch.outputFileId, batch.errorFileId]) {
    if (fileId !== null) lines.push(...(await downloadBatchLines(deps.client, fileId, signal)));
  }
  const answers: EconomyAnswer[] = [];
  const failures: string[] = [];
  for (const line of lines) {
    const jobId = jobIdOf(line.customId);
    if (jobId === null || !ids.has(jobId) || answers.some((a) => a.jobId === jobId)) continue;
    if (line.error === null && line.statusCode === 200 && completionOutcome(line.body).kind === 'completion') {
      answers.push({ jobId, customId: line.customId, completion: line.body });
    } else {
      const error = line.error === null ? `HTTP ${line.statusCode ?? '?'}` : `${line.error.code ?? 'error'}: ${line.error.message}`;
      failures.push(`${line.customId}: ${error}`);
    }
  }
  const total = Math.max(requests, ids.size);
  const live = total - answers.length;
  const mode: EconomyMode = answers.length > 0 ? 'batch' : 'live-fallback';
  return settled(batchId, total, mode, describe(batch, answers.length, total, live, failures), answers);
}

function describe(batch: ProviderBatch, answered: number, total: number, live: number, failures: readonly string[]): string | null {
  const first = failures[0] === undefined ? '' : ` (first: ${failures[0]})`;
  switch (batch.status) {
    case 'failed':
      return `the provider failed batch ${batch.id} (${batch.errors.join('; ') || 'no reason given'}): every chunk runs live`;
    case 'expired':
      return `provider batch ${batch.id} expired before its 24 h window ended with ${answered} of ${total} requests answered: those answers are used, the other ${live} chunk(s) run live${first}`;
    case 'cancelled':
      return `provider batch ${batch.id} was cancelled with ${answered} of ${total} requests answered: the other ${live} chunk(s) run live`;
    default:
      return live === 0 ? null : `${live} of ${total} requests got no usable answer in provider batch ${batch.id}${first}: those chunks run live`;
  }
}

/** The economy job's success: the outcome, and (in its completion transaction) the answers for the chunks. */
function settled(batchId: string, requests: number, mode: EconomyMode, reason: string | null, answers: EconomyAnswer[]): HandlerSuccess {
  const result: EconomyResult = { batchId, mode, reason, answered: answers.length, requests };
  return {
    result,
    effects: async (tx) => {
      await settleEconomyBatch(tx, { batchId, mode, reason, answers });
      await touchBatch(tx, batchId);
    },
  };
}
