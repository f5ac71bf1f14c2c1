import { z } from 'zod';
import { catalogPriceTable, loadPriceTable, type PriceTable } from '../accounts/prices.js';

/** Knobs of the pipeline that are not part of a batch request. */
export interface QuizConfig {
  /** Most questions one chunk job asks the model for (QUIZFORGE_CHUNK_SIZE). */
  chunkSize: number;
  /** Engine attempts per job, spent only on transient failures (429, 5xx, timeouts, crashes). */
  jobMaxAttempts: number;
  /** Backoff for transient failures; undefined leaves the engine's (QUIZFORGE_RETRY_BASE_MS / _MAX_MS). */
  retryBaseMs: number | undefined;
  retryMaxMs: number | undefined;
  /** Completion-token budget: overhead + perQuestion × questions, doubled after each truncation. */
  tokensPerQuestion: number;
  tokenOverhead: number;
  maxTokensCap: number;
  /**
   * Longest provider-named delay (`Retry-After`) honoured before a retry (QUIZFORGE_MAX_RETRY_AFTER_MS,
   * default 5 min). A longer one is clamped, and the call's transcript says so: a day-long
   * Retry-After would otherwise park a chunk for a day without it ever dead-lettering.
   */
  maxRetryAfterMs: number;
  /** The model that verifies keys (QUIZFORGE_VERIFY_MODEL); undefined: the request's or the client's model. */
  verifyModel?: string | undefined;
  /** What calls cost: the catalog plus the QUIZFORGE_PRICES file; undefined: the catalog alone. */
  prices?: PriceTable | undefined;
  /** How long an economy batch waits between polls of the provider's batch (QUIZFORGE_ECONOMY_POLL_MS, default 1 min). */
  economyPollMs: number;
}

export const DEFAULT_QUIZ_CONFIG: QuizConfig = {
  chunkSize: 5,
  jobMaxAttempts: 8,
  retryBaseMs: undefined,
  retryMaxMs: undefined,
  tokensPerQuestion: 350,
  tokenOverhead: 200,
  maxTokensCap: 16_384,
  maxRetryAfterMs: 300_000,
  economyPollMs: 60_000,
};

const positiveInt = z.coerce.number().int().positive();

const EnvSchema = z.object({
  QUIZFORGE_CHUNK_SIZE: positiveInt.max(50).optional(),
  QUIZFORGE_JOB_MAX_ATTEMPTS: positiveInt.max(100).optional(),
  QUIZFORGE_MAX_RETRY_AFTER_MS: z.coerce.number().int().min(0).max(24 * 3_600_000).optional(),
  QUIZFORGE_VERIFY_MODEL: z.string().trim().min(1).max(100).optional(),
  QUIZFORGE_ECONOMY_POLL_MS: z.coerce.number().int().min(10).max(3_600_000).optional(),
});

/** Thrown for an unusable pipeline setting; the message names the variable. */
export class QuizConfigError extends Error {
  override readonly name = 'QuizConfigError';
}

/** Reads the pipeline settings once at start-up so a typo fails loudly instead of mid-batch. */
export function resolveQuizConfig(env: Record<string, string | undefined> = process.env): QuizConfig {
  const set: Record<string, string> = {};
  for (const name of Object.keys(EnvSchema.shape)) {
    const value = env[name];
    if (value !== undefined && value.trim() !== '') set[name] = value;
  }
  const parsed = EnvSchema.safeParse(set);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${String(i.path[0])}=${JSON.stringify(set[String(i.path[0])] ?? '')}: ${i.message}`);
    throw new QuizConfigError(`Invalid pipeline configuration: ${problems.join('; ')}`);
  }
  const e = parsed.data;
  return {
    ...DEFAULT_QUIZ_CONFIG,
    chunkSize: e.QUIZFORGE_CHUNK_SIZE ?? DEFAULT_QUIZ_CONFIG.chunkSize,
    jobMaxAttempts: e.QUIZFORGE_JOB_MAX_ATTEMPTS ?? DEFAULT_QUIZ_CONFIG.jobMaxAttempts,
    maxRetryAfterMs: e.QUIZFORGE_MAX_RETRY_AFTER_MS ?? DEFAULT_QUIZ_CONFIG.maxRetryAfterMs,
    verifyModel: e.QUIZFORGE_VERIFY_MODEL,
    prices: loadPriceTable(env),
    economyPollMs: e.QUIZFORGE_ECONOMY_POLL_MS ?? DEFAULT_QUIZ_CONFIG.economyPollMs,
  };
}

/** The price table calls are costed with. */
export function pricesOf(config: QuizConfig): PriceTable {
  return config.prices ?? catalogPriceTable();
}

/** Completion-token limit for `questions` questions after `truncations` cut-off answers. */
export function tokenLimit(config: QuizConfig, questions: number, truncations: number): number {
  const base = config.tokenOverhead + config.tokensPerQuestion * Math.max(1, questions);
  return Math.min(config.maxTokensCap, base * 2 ** Math.max(0, truncations));
}
