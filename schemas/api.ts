import { z } from 'zod';
import { BatchRequestSchema, QUIZ_LIMITS } from './batch-request.js';
import { StoredQuestionSchema } from './question.js';

/**
 * The HTTP contract in one place: every request and response body of the API, the error envelope
 * and the SSE event payload. Routes parse with these, tests assert responses against them, and
 * `/openapi.json` is generated from them, so the three cannot drift apart.
 *
 * Response schemas describe the JSON wire format (timestamps are ISO strings) and are open objects:
 * clients must ignore fields they do not know.
 */

export { BatchRequestSchema };

// ---------------------------------------------------------------------------------------------
// Errors

/** Every machine-readable error code the API answers with. */
export const ERROR_CODES = [
  'bad_request',
  'budget_exhausted',
  'validation_failed',
  'unauthorized',
  'forbidden',
  'not_found',
  'method_not_allowed',
  'idempotency_conflict',
  'conflict',
  'payload_too_large',
  'unsupported_media_type',
  'unreadable_document',
  'rate_limited',
  'unavailable',
  'internal',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

export const ErrorIssueSchema = z.object({
  path: z.string().describe('Dotted path of the offending field ("count", "options.1"), or a header/query name.'),
  message: z.string(),
});
export type ErrorIssue = z.output<typeof ErrorIssueSchema>;

export const ErrorEnvelopeSchema = z
  .object({
    error: z.object({
      code: z.enum(ERROR_CODES),
      message: z.string(),
      issues: z.array(ErrorIssueSchema).optional(),
    }),
  });
export type ErrorEnvelope = z.output<typeof ErrorEnvelopeSchema>;

// ---------------------------------------------------------------------------------------------
// Parameters

/** Batch ids are opaque; anything outside this alphabet cannot exist and is answered 404 unread. */
export const BATCH_ID_PATTERN = /^[A-Za-z0-9_-]{1,100}$/;
/** DLQ entries are addressed by the dead job's bigint id; non-numeric or out-of-range ids are 404. */
export const JOB_ID_PATTERN = /^[1-9][0-9]{0,15}$/;

export const PAGE_LIMITS = { default: 20, max: 100 } as const;

export const ListQuerySchema = z.object({
  cursor: z.string().min(1).max(200).optional().describe('`nextCursor` of the previous page.'),
  limit: z.coerce.number().int().min(1).max(PAGE_LIMITS.max).default(PAGE_LIMITS.default),
});
export type ListQuery = z.output<typeof ListQuerySchema>;

/** Printable ASCII without spaces, bounded: what a client-generated UUID or token looks like. */
export const IdempotencyKeySchema = z
  .string()
  .min(1)
  .max(200)
  .regex(/^[\x21-\x7e]+$/, 'must be 1-200 printable ASCII characters without spaces');

export const EventsQuerySchema = z.object({
  lastEventId: z
    .string()
    .regex(/^[0-9]{1,15}$/, 'must be a non-negative event id')
    .optional()
    .describe('For clients that cannot set the `Last-Event-ID` header.'),
});

// ---------------------------------------------------------------------------------------------
// Batches

export const BatchStatusSchema = z.enum(['queued', 'running', 'succeeded', 'failed', 'cancelled']);
const Timestamp = z.iso.datetime({ offset: true });

export const JobSummarySchema = z.object({
  id: z.int(),
  kind: z.string().describe('`chunk`, `assemble`, or `economy` (the Batch API job of a `priority: "economy"` batch).'),
  state: z.string(),
  attempts: z.int().min(0),
  usage: z
    .object({ promptTokens: z.int().min(0), completionTokens: z.int().min(0), costUsd: z.number().min(0).nullable() })
    .optional()
    .describe("Tokens and cost of the job's model calls (batch reads); costUsd null when a model has no price."),
});

const Usd = z.number().min(0);

export const UsageSchema = z.object({
  promptTokens: z.int().min(0),
  completionTokens: z.int().min(0),
  cachedTokens: z.int().min(0).describe('Prompt tokens served from the provider prompt cache (`prompt_tokens_details.cached_tokens`), part of promptTokens.'),
  cachedShare: z.number().min(0).max(1).nullable().describe('cachedTokens / promptTokens; null before any prompt was sent.'),
  reasoningTokens: z.int().min(0).describe('Completion tokens spent reasoning (`completion_tokens_details.reasoning_tokens`), where reported.'),
  costUsd: Usd.nullable().describe('Dollars from the price table (catalog + QUIZFORGE_PRICES); null when any call was of a model without a price, never 0 for unknown.'),
  unpricedCalls: z.int().min(0).describe('Calls of a model without a known price.'),
  modelCalls: z.int().min(0),
});

export const BudgetViewSchema = z.object({
  maxTokens: z.int().min(1).nullable().describe('The batch token budget (request `maxTokens`); null: none.'),
  maxCostUsd: Usd.nullable().describe('The batch dollar budget (request `maxCostUsd`); null: none.'),
  spentTokens: z.int().min(0),
  spentUsd: Usd,
  reservedTokens: z.int().min(0).describe('Worst case of the calls with the provider right now.'),
  reservedUsd: Usd,
});

export const TenantUsageSchema = z.object({
  tenant: z.string(),
  period: z.object({ per: z.enum(['day', 'month']), start: Timestamp, end: Timestamp }).describe('The current UTC budget period (monthly without a budget).'),
  budget: z.object({ usd: Usd, per: z.enum(['day', 'month']) }).nullable(),
  costUsd: Usd.nullable().describe('Dollars of finished calls this period; null when some were of unpriced models.'),
  spentUsd: Usd,
  reservedUsd: Usd.describe('Worst case of the calls with the provider right now.'),
  remainingUsd: Usd.nullable().describe('budget − spent − reserved, at least 0; null without a budget.'),
  tokens: z.object({ spent: z.int().min(0), reserved: z.int().min(0) }),
  modelCalls: z.int().min(0),
  unpricedCalls: z.int().min(0),
});

export const BatchViewSchema = z
  .object({
    id: z.string(),
    status: BatchStatusSchema.describe('`failed` while any of its jobs is dead; a replay can resume it.'),
    request: BatchRequestSchema,
    questions: z
      .array(StoredQuestionSchema)
      .nullable()
      .describe(
        'Filled once the batch succeeded. Single questions have no `type` key; `multiple` and `true_false` ones do. Each also carries `quality: { verified: true | false | "human" | null, flags: [{ code, severity, message }] }` (see QuestionQuality); `verified: "human"` when a reviewer accepted it from the DLQ.',
      ),
    jobs: z.array(JobSummarySchema),
    usage: UsageSchema,
    budget: BudgetViewSchema.nullable().describe('The batch limits and spend; null for a batch stored before budgets.'),
    coverage: z
      .object({
        sections: z.array(z.object({ id: z.string(), title: z.string(), page: z.int().min(1).optional(), questions: z.int().min(0) })),
        covered: z.int().min(0),
        total: z.int().min(0),
      })
      .optional()
      .describe('With a source, once succeeded: questions per section, counted by where their evidence sits.'),
    quality: z
      .object({
        verified: z.int().min(0).describe('Questions whose key a verifier model or a reviewer vouched for.'),
        total: z.int().min(0),
        byVerification: z.object({ model: z.int().min(0), human: z.int().min(0), unverified: z.int().min(0), off: z.int().min(0) }),
        flags: z.record(z.string(), z.int().min(0)).describe('Flag code → questions carrying it.'),
        repairs: z.int().min(0).describe('Repair turns sent to the model.'),
        verification: z.object({ calls: z.int().min(0), promptTokens: z.int().min(0), completionTokens: z.int().min(0) }),
      })
      .optional()
      .describe('Once succeeded: the quality summary of the questions.'),
    economy: z
      .object({
        mode: z.enum(['pending', 'batch', 'live-fallback']).describe('`pending` until the provider batch ends; `batch` once the Batch API answered any chunk; `live-fallback` when every chunk ran live.'),
        reason: z.string().nullable().describe('Why some or all chunks ran live (no Batch API, a failed or expired provider batch, failed lines); null when the Batch API answered every chunk.'),
        providerBatchId: z.string().nullable(),
        providerStatus: z.string().nullable().describe('The provider batch status last seen: validating, in_progress, finalizing, completed, failed, expired, cancelling, cancelled.'),
        requests: z.int().min(0).describe('Chunk first calls sent in the provider batch.'),
        answered: z.int().min(0).describe('Of those, answered by it (the rest ran live).'),
        polls: z.int().min(0),
      })
      .optional()
      .describe('Only with `priority: "economy"`: how the chunks\' first calls went through the provider\'s Batch API.'),
    createdAt: Timestamp,
    updatedAt: Timestamp,
  });
export type BatchViewWire = z.output<typeof BatchViewSchema>;

/** A list row: enough for a dashboard line and a progress bar; fetch the batch for the rest. */
export const BatchSummarySchema = z.object({
  id: z.string(),
  status: BatchStatusSchema,
  topic: z.string(),
  count: z.int(),
  progress: z.object({ done: z.int().min(0), total: z.int().min(0) }).describe('Chunk jobs done / total.'),
  createdAt: Timestamp,
  updatedAt: Timestamp,
});

export const BatchListSchema = z
  .object({ items: z.array(BatchSummarySchema), nextCursor: z.string().nullable() });

// ---------------------------------------------------------------------------------------------
// Sources

export const SOURCE_TEXT_MAX = 500_000;

/** `POST /v1/sources` as JSON: plain text or Markdown. Files go as multipart `file` (+ optional `title`). */
export const SourceTextBodySchema = z.strictObject({
  title: z.string().trim().min(1).max(200).optional(),
  text: z.string().max(SOURCE_TEXT_MAX).describe('Plain text or Markdown; `#` headings start sections.'),
});

export const SourceUploadBodySchema = z.object({
  file: z.string().describe('The document: PDF, DOCX, HTML, Markdown or plain text, up to 20 MiB.'),
  title: z.string().max(200).optional(),
});

export const SourceSectionSchema = z.object({
  id: z.string().describe('Stable within the source: s1, s2, … in document order.'),
  title: z.string(),
  chars: z.int().min(0),
  page: z.int().min(1).optional().describe('PDF page the section comes from.'),
});

export const SourceViewSchema = z.object({
  id: z.string(),
  title: z.string(),
  kind: z.enum(['pdf', 'docx', 'html', 'markdown', 'text']),
  chars: z.int().min(0),
  sections: z.array(SourceSectionSchema),
  createdAt: Timestamp,
});

export const SourceListSchema = z.object({ items: z.array(SourceViewSchema), nextCursor: z.string().nullable() });

export const SourceListQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(PAGE_LIMITS.max).default(PAGE_LIMITS.default),
});

// ---------------------------------------------------------------------------------------------
// DLQ

export const DlqItemSchema = z
  .object({
    id: z.int().describe('The dead job id; DLQ entries are addressed by it.'),
    batchId: z.string().nullable(),
    kind: z.string(),
    reason: z.string().nullable().describe('Why it died: exhausted, permanent, lease_expired, …'),
    attempts: z.int().min(0).describe('Model calls recorded for this job.'),
    lastError: z.looseObject({ message: z.string() }).nullable(),
    diedAt: Timestamp.nullable(),
  });

export const DlqListSchema = z.object({ items: z.array(DlqItemSchema), nextCursor: z.string().nullable() });

export const TranscriptAttemptSchema = z.object({
  n: z.int().describe('1-based call number within the job, across retries and replays.'),
  messages: z.array(z.looseObject({ role: z.string(), content: z.string() })).describe('The prompt sent to the model.'),
  rawOutput: z.string().nullable().describe('Untrusted model output, verbatim: render escaped.'),
  finishReason: z.string().nullable(),
  issues: z.array(z.looseObject({ path: z.string(), code: z.string(), message: z.string() })),
  normalisations: z.array(z.unknown()),
  usage: z.object({
    promptTokens: z.int().min(0),
    completionTokens: z.int().min(0),
    cachedTokens: z.int().min(0),
    reasoningTokens: z.int().min(0),
    costUsd: Usd.nullable().describe('Null when the model has no known price.'),
  }),
  error: z.looseObject({ kind: z.string(), message: z.string() }).nullable(),
  via: z.literal('batch').optional().describe("Present when the provider's Batch API answered this call (an economy batch's first ask, batch-priced); absent for a live call."),
});

export const DlqEntrySchema = DlqItemSchema.extend({
  state: z.string().describe('The job state now (dead until replayed or discarded).'),
  usage: UsageSchema.describe("The job's calls summed."),
  attempts: z.array(TranscriptAttemptSchema),
});

export const ReplayBodySchema = z
  .strictObject({
    maxAttempts: z
      .int()
      .min(QUIZ_LIMITS.minAttempts)
      .max(QUIZ_LIMITS.maxAttempts)
      .optional()
      .describe('Validation budget (model calls) of the replayed job.'),
    maxTokens: z
      .int()
      .min(1)
      .max(QUIZ_LIMITS.maxBudgetTokens)
      .nullable()
      .optional()
      .describe("Replaces the batch's token budget before the job runs again (null removes it); for a job dead-lettered with reason `budget`."),
    maxCostUsd: z
      .number()
      .positive()
      .max(QUIZ_LIMITS.maxBudgetUsd)
      .nullable()
      .optional()
      .describe("Replaces the batch's dollar budget before the job runs again (null removes it)."),
  });
export type ReplayBody = z.output<typeof ReplayBodySchema>;

export const AcceptBodySchema = z.strictObject({
  questions: z
    .array(z.unknown())
    .min(1)
    .max(100)
    .describe("The reviewer's questions for the dead chunk's failing positions, in order; validated like a repair answer."),
});
export type AcceptBody = z.output<typeof AcceptBodySchema>;

export const DlqActionResultSchema = z.object({
  id: z.int(),
  action: z.enum(['replayed', 'discarded', 'accepted']),
  state: z.string().optional().describe('The job state after the action, when known.'),
});

// ---------------------------------------------------------------------------------------------
// Operations and SSE

export const HealthSchema = z.object({ status: z.literal('ok') });

export const ReadinessSchema = z.object({
  status: z.enum(['ready', 'not_ready']),
  checks: z.object({
    database: z.enum(['ok', 'unreachable']),
    migrations: z.object({ applied: z.int(), expected: z.int(), pending: z.array(z.string()) }).nullable(),
  }),
});

/** The names of SSE events (a superset may appear; clients must ignore unknown ones). */
export const SSE_EVENT_NAMES = [
  'job.enqueued',
  'job.started',
  'job.retry_scheduled',
  'job.succeeded',
  'job.dead',
  'job.replayed',
  'job.discarded',
  'batch.succeeded',
  'batch.failed',
] as const;

export const SseEventDataSchema = z
  .looseObject({
    jobId: z.int().nullable(),
    batchId: z.string().nullable(),
    state: z.string(),
    at: Timestamp,
  });
export type SseEventData = z.output<typeof SseEventDataSchema>;
