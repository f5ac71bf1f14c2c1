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
} as const;

export const QUALITY_LEVELS = ['standard', 'strict'] as const;

export const DIFFICULTIES = ['easy', 'medium', 'hard'] as const;
export const DifficultySchema = z.enum(DIFFICULTIES);
export type Difficulty = z.output<typeof DifficultySchema>;

/** BCP-47-ish: a 2–8 letter primary subtag and optional alphanumeric subtags ("en", "pt-BR", "zh-Hant-TW"). */
const LANGUAGE_TAG = /^[A-Za-z]{2,8}(?:-[A-Za-z0-9]{1,8})*$/;

/**
 * What a client may ask for. Strict so a misspelt field ("cout") is an error instead of a silently
 * applied default.
 */
export const BatchRequestSchema = z.strictObject({
  topic: z.string().trim().min(1).max(200),
  count: z.int().min(QUIZ_LIMITS.minCount).max(QUIZ_LIMITS.maxCount),
  difficulty: DifficultySchema.default('medium'),
  options: z.int().min(QUIZ_LIMITS.minOptions).max(QUIZ_LIMITS.maxOptions).default(QUIZ_LIMITS.defaultOptions),
  audience: z.string().trim().min(1).max(200).optional(),
  language: z.string().trim().max(35).regex(LANGUAGE_TAG, 'must be a language tag such as "en" or "pt-BR"').default('en'),
  model: z.string().trim().min(1).max(100).optional(),
  maxAttempts: z.int().min(QUIZ_LIMITS.minAttempts).max(QUIZ_LIMITS.maxAttempts).default(QUIZ_LIMITS.defaultAttempts),
  /** `strict`: item-writing-flaw warnings are repaired like errors; absent or `standard`: only reported. */
  quality: z.enum(QUALITY_LEVELS).optional(),
  /** Earlier batches this one must not repeat: their questions are shown to the model and checked against. */
  distinctFrom: z.array(z.string().trim().min(1).max(100)).max(QUIZ_LIMITS.maxDistinctFrom).optional(),
});

/** A request after defaults are applied: what the pipeline works with. */
export type BatchRequest = z.output<typeof BatchRequestSchema>;
/** A request as a client may send it (defaulted fields optional). */
export type BatchRequestInput = z.input<typeof BatchRequestSchema>;
