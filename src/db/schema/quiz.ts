import { sql } from 'drizzle-orm';
import { bigint, bigserial, boolean, index, integer, jsonb, numeric, pgTable, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';

const tz = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });

/** A client's quiz request; its jobs carry `group_id = batches.id`. */
export const batches = pgTable(
  'batches',
  {
    id: text('id').primaryKey(),
    /** The tenant that owns the batch (its jobs, events, DLQ entries and exports through it). */
    tenantId: text('tenant_id').notNull().default('default'),
    request: jsonb('request').notNull(),
    requestHash: text('request_hash').notNull(),
    idempotencyKey: text('idempotency_key'),
    createdAt: tz('created_at').notNull().defaultNow(),
    updatedAt: tz('updated_at').notNull().defaultNow(),
  },
  (t) => [
    // Idempotency keys are the tenant's: two tenants may both use `lesson-5`.
    uniqueIndex('batches_tenant_idempotency_key_uq').on(t.tenantId, t.idempotencyKey),
    index('batches_created_idx').on(t.createdAt, t.id),
    index('batches_tenant_created_idx').on(t.tenantId, t.createdAt, t.id),
  ],
);

/** Accepted questions, written by the assemble job in its completion transaction. */
export const questions = pgTable(
  'questions',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    batchId: text('batch_id')
      .notNull()
      .references(() => batches.id, { onDelete: 'cascade' }),
    position: integer('position').notNull(),
    question: text('question').notNull(),
    options: jsonb('options').notNull(),
    /** Null for single questions (the original shape); 'multiple' or 'true_false' otherwise. */
    type: text('type'),
    /** Null for multiple-answer questions, which use `correct_answers`. */
    correctAnswer: integer('correct_answer'),
    correctAnswers: jsonb('correct_answers'),
    explanation: text('explanation').notNull(),
    /** `{ quote, sectionId, page? }` for questions grounded in a source; null otherwise. */
    evidence: jsonb('evidence'),
    /** Who vouched for the question beyond the validator: 'human' when a reviewer accepted it from the DLQ; null otherwise. */
    verified: text('verified'),
    /** `{ verified: 'model' | 'human' | 'unverified' | 'off', flags: [{ code, severity, message }] }`; null on rows stored before it. */
    quality: jsonb('quality'),
    createdAt: tz('created_at').notNull().defaultNow(),
  },
  (t) => [uniqueIndex('questions_batch_position_uq').on(t.batchId, t.position)],
);

/** Every model call, kept durably (also for jobs that later succeed): the DLQ transcript. */
export const modelCalls = pgTable(
  'model_calls',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    jobId: bigint('job_id', { mode: 'number' }).notNull(),
    batchId: text('batch_id'),
    jobAttempt: integer('job_attempt').notNull(),
    /** Attempt budget period: bumped each time the job is replayed from the DLQ. */
    epoch: integer('epoch').notNull().default(0),
    n: integer('n').notNull(),
    kind: text('kind').notNull(),
    /** True when the call consumed validation budget (a completion came back), false for transport errors. */
    counted: boolean('counted').notNull().default(false),
    model: text('model'),
    promptVersion: text('prompt_version').notNull(),
    messages: jsonb('messages').notNull(),
    rawOutput: text('raw_output'),
    finishReason: text('finish_reason'),
    issues: jsonb('issues').notNull().default(sql`'[]'::jsonb`),
    normalisations: jsonb('normalisations').notNull().default(sql`'[]'::jsonb`),
    promptTokens: integer('prompt_tokens').notNull().default(0),
    completionTokens: integer('completion_tokens').notNull().default(0),
    /** Prompt tokens the provider served from its prompt cache (`prompt_tokens_details.cached_tokens`). */
    cachedTokens: integer('cached_tokens').notNull().default(0),
    /** Completion tokens spent on reasoning (`completion_tokens_details.reasoning_tokens`), where reported. */
    reasoningTokens: integer('reasoning_tokens').notNull().default(0),
    /** Dollars from the price table; null when the model has no known price (never 0 for unknown). */
    costUsd: numeric('cost_usd', { precision: 20, scale: 10 }),
    /** The worst case held against the budgets while the call is out; 0 once settled by its finish. */
    reservedTokens: integer('reserved_tokens').notNull().default(0),
    reservedUsd: numeric('reserved_usd', { precision: 20, scale: 10 }).notNull().default('0'),
    /** The tenant_spend row this call reserved in and settles into. */
    spendLedger: bigint('spend_ledger', { mode: 'number' }),
    latencyMs: integer('latency_ms').notNull().default(0),
    error: jsonb('error'),
    /** The repair loop's draft after this call, so a retried or replayed job resumes instead of restarting. */
    state: jsonb('state'),
    /** Null for a live call; 'batch' when the answer came through the provider's Batch API (batch-priced). */
    // merge: cost — a call with via = 'batch' costs the provider's batch price (50% of live at OpenAI and Together).
    via: text('via'),
    createdAt: tz('created_at').notNull().defaultNow(),
    /** When the outcome was recorded; null for a call sent whose outcome never was (see startModelCall). */
    finishedAt: tz('finished_at'),
  },
  (t) => [
    index('model_calls_job_idx').on(t.jobId, t.id),
    index('model_calls_batch_idx').on(t.batchId),
    uniqueIndex('model_calls_job_n_uq').on(t.jobId, t.n),
  ],
);
