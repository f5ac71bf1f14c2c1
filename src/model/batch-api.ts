/**
 * The provider's Batch API through the openai SDK: upload a JSONL of chat completion requests
 * (`/v1/files`, purpose `batch`), create a batch over it (`/v1/batches`, 24 h window), poll it,
 * read its output and error files. Knows nothing of jobs or quizzes; every failure comes back as a
 * `BatchApiError` carrying the classified `ModelError`, so the caller decides retry or fallback.
 */
import { toFile } from 'openai';
import { z } from 'zod';
import type { ChatRequestBody } from './chat.js';
import type { ModelClient } from './client.js';
import { classifyModelError, isUserAbort, type ModelError } from './errors.js';

/** One request line of the input file; `custom_id` is how its answer is found again. */
export interface BatchInputLine {
  customId: string;
  body: ChatRequestBody & { model: string };
}

/** The documented batch statuses. */
export const BATCH_STATUSES = ['validating', 'failed', 'in_progress', 'finalizing', 'completed', 'expired', 'cancelling', 'cancelled'] as const;
export type BatchStatus = (typeof BATCH_STATUSES)[number];

/** What the pipeline needs to know of a provider batch. */
export interface ProviderBatch {
  id: string;
  status: BatchStatus;
  outputFileId: string | null;
  errorFileId: string | null;
  /** `errors.data[].message` of a batch that failed validation. */
  errors: string[];
  metadata: Record<string, string>;
  counts: { total: number; completed: number; failed: number } | null;
}

/** One line of an output or error file: a response with its status code, or a per-request error. */
export interface BatchOutputLine {
  customId: string;
  statusCode: number | null;
  body: unknown;
  error: { code: string | null; message: string } | null;
}

/** A Batch API call failed; `error` says how (a 404 means the provider has no Batch API). */
export class BatchApiError extends Error {
  override readonly name = 'BatchApiError';
  constructor(
    readonly operation: string,
    readonly error: ModelError,
  ) {
    super(`${operation}: ${error.message}`);
  }
}

/** True when the failure says the provider has no such endpoint (no Batch API here). */
export function isBatchApiMissing(err: BatchApiError): boolean {
  return err.error.status === 404 || err.error.status === 405 || err.error.status === 501;
}

async function sdk<T>(operation: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    if (isUserAbort(err)) throw err;
    throw new BatchApiError(operation, classifyModelError(err));
  }
}

const BatchShape = z.looseObject({
  id: z.string(),
  status: z.enum(BATCH_STATUSES),
  output_file_id: z.string().nullish(),
  error_file_id: z.string().nullish(),
  errors: z.looseObject({ data: z.array(z.looseObject({ message: z.string().nullish() })).nullish() }).nullish(),
  metadata: z.record(z.string(), z.string()).nullish(),
  request_counts: z.looseObject({ total: z.number(), completed: z.number(), failed: z.number() }).nullish(),
});

function toProviderBatch(operation: string, value: unknown): ProviderBatch {
  const parsed = BatchShape.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new BatchApiError(operation, { kind: 'unknown', message: `malformed batch at ${issue?.path.join('.') || '(root)'}: ${issue?.message ?? ''}` });
  }
  const b = parsed.data;
  return {
    id: b.id,
    status: b.status,
    outputFileId: b.output_file_id ?? null,
    errorFileId: b.error_file_id ?? null,
    errors: (b.errors?.data ?? []).map((e) => e.message ?? 'unknown error'),
    metadata: b.metadata ?? {},
    counts: b.request_counts ? { total: b.request_counts.total, completed: b.request_counts.completed, failed: b.request_counts.failed } : null,
  };
}

/** Uploads the requests as one JSONL file (purpose `batch`); returns the file id. */
export async function uploadBatchInput(client: ModelClient, lines: readonly BatchInputLine[], signal?: AbortSignal): Promise<string> {
  const jsonl = lines.map((l) => JSON.stringify({ custom_id: l.customId, method: 'POST', url: '/v1/chat/completions', body: l.body })).join('\n');
  const file = await toFile(Buffer.from(`${jsonl}\n`, 'utf8'), 'quizforge-batch.jsonl', { type: 'application/jsonl' });
  const created = await sdk('files.create', () => client.openai.files.create({ file, purpose: 'batch' }, signal ? { signal } : {}));
  return created.id;
}

/** Creates a chat-completions batch over an uploaded input file, tagged with `metadata`. */
export async function createProviderBatch(client: ModelClient, inputFileId: string, metadata: Record<string, string>, signal?: AbortSignal): Promise<ProviderBatch> {
  const batch = await sdk('batches.create', () =>
    client.openai.batches.create({ input_file_id: inputFileId, endpoint: '/v1/chat/completions', completion_window: '24h', metadata }, signal ? { signal } : {}),
  );
  return toProviderBatch('batches.create', batch);
}

export async function retrieveProviderBatch(client: ModelClient, id: string, signal?: AbortSignal): Promise<ProviderBatch> {
  return toProviderBatch('batches.retrieve', await sdk('batches.retrieve', () => client.openai.batches.retrieve(id, signal ? { signal } : {})));
}

export async function cancelProviderBatch(client: ModelClient, id: string, signal?: AbortSignal): Promise<ProviderBatch> {
  return toProviderBatch('batches.cancel', await sdk('batches.cancel', () => client.openai.batches.cancel(id, signal ? { signal } : {})));
}

/**
 * The newest provider batch (among the last `scan`) whose metadata has `key` = `value`, or null:
 * how a batch created by a worker that died before recording its id is found again.
 */
export async function findProviderBatch(client: ModelClient, key: string, value: string, scan = 100, signal?: AbortSignal): Promise<ProviderBatch | null> {
  return sdk('batches.list', async () => {
    let seen = 0;
    for await (const batch of client.openai.batches.list({ limit: Math.min(scan, 100) }, signal ? { signal } : {})) {
      if (batch.metadata?.[key] === value) return toProviderBatch('batches.list', batch);
      if (++seen >= scan) break;
    }
    return null;
  });
}

const OutputLineShape = z.looseObject({
  custom_id: z.string(),
  response: z.looseObject({ status_code: z.number().nullish(), body: z.unknown() }).nullish(),
  error: z.looseObject({ code: z.string().nullish(), message: z.string().nullish() }).nullish(),
});

/** Downloads an output or error file and parses its lines; a line that does not parse is skipped. */
export async function downloadBatchLines(client: ModelClient, fileId: string, signal?: AbortSignal): Promise<BatchOutputLine[]> {
  const text = await sdk('files.content', async () => (await client.openai.files.content(fileId, signal ? { signal } : {})).text());
  const out: BatchOutputLine[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    let json: unknown;
    try {
      json = JSON.parse(line);
    } catch {
      continue;
    }
    const parsed = OutputLineShape.safeParse(json);
    if (!parsed.success) continue;
    const l = parsed.data;
    out.push({
      customId: l.custom_id,
      statusCode: l.response?.status_code ?? null,
      body: l.response?.body ?? null,
      error: l.error ? { code: l.error.code ?? null, message: l.error.message ?? 'unknown error' } : null,
    });
  }
  return out;
}
