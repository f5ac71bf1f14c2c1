import { z } from 'zod';
import { BatchRequestSchema } from '../../schemas/batch-request.js';
import { AnyQuestionSchema } from '../../schemas/question.js';
import { PermanentError } from '../engine/errors.js';

/** Queue names of the batch DAG. */
export const QUEUES = { chunk: 'quiz.chunk', assemble: 'quiz.assemble', economy: 'quiz.economy' } as const;

/** What a chunk job carries: enough to run without reading the batch row. */
export const ChunkPayloadSchema = z.object({
  batchId: z.string().min(1),
  index: z.int().min(0),
  start: z.int().min(0),
  count: z.int().min(1),
  request: BatchRequestSchema,
  /** With a source: the sections this chunk's prompt quotes (its share of the material). */
  sectionIds: z.array(z.string()).optional(),
  /** W3C trace context of the submit, so the job's span links to it (only with tracing on). */
  traceparent: z.string().optional(),
});
export type ChunkPayload = z.output<typeof ChunkPayloadSchema>;

export const AssemblePayloadSchema = z.object({
  batchId: z.string().min(1),
  chunks: z.int().min(1),
  request: BatchRequestSchema,
  traceparent: z.string().optional(),
});
export type AssemblePayload = z.output<typeof AssemblePayloadSchema>;

/** The economy job of a `priority: "economy"` batch: sends its chunks' first calls through the Batch API. */
export const EconomyPayloadSchema = z.object({
  batchId: z.string().min(1),
  traceparent: z.string().optional(),
});
export type EconomyPayload = z.output<typeof EconomyPayloadSchema>;

/** What the economy job leaves for its chunks (they read their answers from `economy_answers`). */
export interface EconomyResult {
  batchId: string;
  mode: 'batch' | 'live-fallback';
  reason: string | null;
  answered: number;
  requests: number;
}

const UsageSchema = z.object({ promptTokens: z.number(), completionTokens: z.number(), modelCalls: z.number() });

/** A chunk's result as stored on its job row and read back by assemble through `ctx.parents`. */
export const ChunkResultSchema = z.object({
  batchId: z.string(),
  index: z.int().min(0),
  start: z.int().min(0),
  questions: z.array(AnyQuestionSchema),
  /** Positions (within the chunk) of questions a reviewer fixed and accepted from the DLQ. */
  humanVerified: z.array(z.int().min(0)).optional(),
  /** How each question's key was verified, by position in the chunk; absent in results stored before verification. */
  verification: z.array(z.enum(['model', 'human', 'unverified', 'off'])).optional(),
  usage: UsageSchema,
});
export type ChunkResult = z.output<typeof ChunkResultSchema>;

export const AssembleResultSchema = z.object({ batchId: z.string(), questions: z.int(), usage: UsageSchema });
export type AssembleResult = z.output<typeof AssembleResultSchema>;

/**
 * Parses something the pipeline itself wrote (a payload, a parent's result). A mismatch is a bug or
 * a tampered row, which no retry fixes: dead-letter it with reason `payload`.
 */
export function parseOwn<S extends z.ZodType>(schema: S, value: unknown, what: string): z.output<S> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const where = issue?.path.join('.') || '(root)';
  throw new PermanentError('payload', `invalid ${what} at ${where}: ${issue?.message ?? 'unknown problem'}`);
}
