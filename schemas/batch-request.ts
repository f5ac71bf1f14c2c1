import { z } from 'zod';

/** Bounds shared by the request contract and the quiz-output contract, so they cannot drift apart. */
export const QUIZ_LIMITS = {
  minCount: 1,
  maxCount: 50,
  minOptions: 2,
  maxOptions: 6,
  defaultOptions: 4,
  minAttempts: 1,
  maxAttempts: 10,
  defaultAttempts: 3,
  maxDistinctFrom: 20,
  maxBudgetTokens: 100_000_000,
  maxBudgetUsd: 1_000_000,
} as const;

export const QUALITY_LEVELS = ['standard', 'strict'] as const;

/** Independent key verification: `off`, `best-effort` (the default) or `required`. */
export const VERIFY_MODES = ['off', 'best-effort', 'required'] as const;
export type VerifyMode = (typeof VERIFY_MODES)[number];

/** `economy`: first calls go through the provider's Batch API (cheaper, slower); `standard`: live calls. */
export const PRIORITIES = ['standard', 'economy'] as const;
export type Priority = (typeof PRIORITIES)[number];

export const DIFFICULTIES = ['easy', 'medium', 'hard'] as const;
export const DifficultySchema = z.enum(DIFFICULTIES);
export type Difficulty = z.output<typeof DifficultySchema>;

/** BCP-47-ish: a 2–8 letter primary subtag and optional alphanumeric subtags ("en", "pt-BR", "zh-Hant-TW"). */
const LANGUAGE_TAG = /^[A-Za-z]{2,8}(?:-[A-Za-z0-9]{1,8})*$/;

/**
 * What a client may ask for. Strict so a misspelt field ("cout") is an error instead of a silently
 * applied default.
 */
/** An inline `source.text` fits the 64 KiB request body; `POST /v1/sources` takes more. */
export const INLINE_SOURCE_MAX_CHARS = 60_000;

export const BatchRequestSchema = z
  .strictObject({
    type: z
      .enum(['single', 'multiple', 'true_false'])
      .optional()
      .describe('Question type; absent means `single` (one correct option), exactly as before types existed.'),
    topic: z.string().trim().min(1).max(200).optional().describe('Required without a source; with one it defaults to the source title.'),
    count: z.int().min(QUIZ_LIMITS.minCount).max(QUIZ_LIMITS.maxCount),
    difficulty: DifficultySchema.default('medium'),
    options: z.int().min(QUIZ_LIMITS.minOptions).max(QUIZ_LIMITS.maxOptions).default(QUIZ_LIMITS.defaultOptions),
    audience: z.string().trim().min(1).max(200).optional(),
    language: z.string().trim().max(35).regex(LANGUAGE_TAG, 'must be a language tag such as "en" or "pt-BR"').default('en'),
    model: z.string().trim().min(1).max(100).optional(),
    maxAttempts: z.int().min(QUIZ_LIMITS.minAttempts).max(QUIZ_LIMITS.maxAttempts).default(QUIZ_LIMITS.defaultAttempts),
    sourceId: z.string().regex(/^[A-Za-z0-9_-]{1,100}$/).optional().describe('A stored source (`POST /v1/sources`) to quiz on; every question then carries evidence.'),
    source: z
      .strictObject({ text: z.string().min(1).max(INLINE_SOURCE_MAX_CHARS), title: z.string().trim().min(1).max(200).optional() })
      .optional()
      .describe(`An inline source of up to ${INLINE_SOURCE_MAX_CHARS} characters (the request body is bounded at 64 KiB), stored as if posted to /v1/sources; the stored request names it by \`sourceId\`. Larger documents go through POST /v1/sources (500,000 characters or a 20 MiB file).`),
    /** `strict`: item-writing-flaw warnings are repaired like errors; absent or `standard`: only reported. */
    quality: z.enum(QUALITY_LEVELS).optional(),
    /** Earlier batches this one must not repeat: their questions are shown to the model and checked against. */
    distinctFrom: z.array(z.string().trim().min(1).max(100)).max(QUIZ_LIMITS.maxDistinctFrom).optional(),
    maxTokens: z
      .int()
      .min(1)
      .max(QUIZ_LIMITS.maxBudgetTokens)
      .optional()
      .describe('Token budget of the whole batch (prompt + completion, every call: generation, repair, verification). Each call reserves its worst case first; a call that would not fit is not sent and its job dead-letters with reason `budget`.'),
    maxCostUsd: z
      .number()
      .positive()
      .max(QUIZ_LIMITS.maxBudgetUsd)
      .optional()
      .describe('Dollar budget of the whole batch, priced from the price table; refused (422) when a model the batch uses has no known price.'),
    verify: z
      .enum(VERIFY_MODES)
      .optional()
      .describe('Independent key verification: `best-effort` (absent: the default) accepts questions the verifier could not answer as unverified; `required` dead-letters them; `off` makes no verification call.'),
    priority: z
      .enum(PRIORITIES)
      .optional()
      .describe('`standard` (absent: the default) calls the model live; `economy` sends each chunk\'s first call through the provider\'s Batch API (/v1/files + /v1/batches, about half the price, answered within 24 h), validated and repaired as usual (repairs go live). A provider without a Batch API falls back to live calls; the batch view says so in `economy`.'),
  })
  .superRefine((r, ctx) => {
    if (r.source !== undefined && r.sourceId !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['source'], message: 'send either source or sourceId, not both' });
    }
    if (r.topic === undefined && r.source === undefined && r.sourceId === undefined) {
      ctx.addIssue({ code: 'custom', path: ['topic'], message: 'topic is required without a source' });
    }
    if (r.type === 'multiple' && r.options < 3) {
      ctx.addIssue({ code: 'custom', path: ['options'], message: 'a multiple-answer question needs 3-6 options' });
    }
  },
  // Cross-field rules run even when a field is already wrong, so one answer names every problem
  // (a missing topic beside a count out of range). The body only compares, so a wrongly typed
  // field cannot make it throw.
  { when: (payload) => typeof payload.value === 'object' && payload.value !== null });

/**
 * The type a request asks for. `type` stays absent on a default request (rather than defaulting to
 * "single") so stored requests, idempotency hashes and API answers are exactly as before types.
 * A `true_false` question always has 2 options, whatever `options` says.
 */
export function requestedType(request: { type?: 'single' | 'multiple' | 'true_false' | undefined }): 'single' | 'multiple' | 'true_false' {
  return request.type ?? 'single';
}

/**
 * The verification mode of a request. Absent means `best-effort`; like `type`, the default is not
 * written into the request, so stored requests and idempotency hashes stay as they were.
 */
export function verifyModeOf(request: { verify?: VerifyMode | undefined }): VerifyMode {
  return request.verify ?? 'best-effort';
}

/** The request's priority; absent means `standard`, not written into the request (hashes stay as they were). */
export function priorityOf(request: { priority?: Priority | undefined }): Priority {
  return request.priority ?? 'standard';
}

/** Options per question the pipeline asks for: the request's, except 2 for true/false. */
export function optionsPerQuestion(request: { type?: string | undefined; options: number }): number {
  return request.type === 'true_false' ? 2 : request.options;
}

/** A request after defaults are applied: what the pipeline works with. */
export type BatchRequest = z.output<typeof BatchRequestSchema>;
/** A request as a client may send it (defaulted fields optional). */
export type BatchRequestInput = z.input<typeof BatchRequestSchema>;
