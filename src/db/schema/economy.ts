import { bigint, index, integer, jsonb, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { batches } from './quiz.js';

const tz = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });

/**
 * One economy batch's exchange with the provider's Batch API. The row exists before anything is
 * uploaded; `token` travels in the provider batch's metadata, so a worker that died between the
 * create and recording `provider_batch_id` is found again instead of creating a second one.
 */
export const economyBatches = pgTable('economy_batches', {
  batchId: text('batch_id')
    .primaryKey()
    .references(() => batches.id, { onDelete: 'cascade' }),
  token: uuid('token').notNull(),
  inputFileId: text('input_file_id'),
  providerBatchId: text('provider_batch_id'),
  /** The provider's last reported status (validating, in_progress, completed, expired, …). */
  providerStatus: text('provider_status'),
  /** Null while waiting; 'batch' once some chunk was answered by the Batch API, else 'live-fallback'. */
  mode: text('mode'),
  reason: text('reason'),
  requests: integer('requests').notNull().default(0),
  answered: integer('answered').notNull().default(0),
  polls: integer('polls').notNull().default(0),
  createdAt: tz('created_at').notNull().defaultNow(),
  updatedAt: tz('updated_at').notNull().defaultNow(),
});

/** A chunk's first answer as the Batch API returned it (a chat.completion body), read by the chunk job. */
export const economyAnswers = pgTable(
  'economy_answers',
  {
    jobId: bigint('job_id', { mode: 'number' }).primaryKey(),
    batchId: text('batch_id')
      .notNull()
      .references(() => batches.id, { onDelete: 'cascade' }),
    customId: text('custom_id').notNull(),
    completion: jsonb('completion').notNull(),
    createdAt: tz('created_at').notNull().defaultNow(),
  },
  (t) => [index('economy_answers_batch_idx').on(t.batchId)],
);
