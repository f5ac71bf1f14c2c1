/**
 * What a model call costs. Prices come from the maintained `@pydantic/genai-prices` catalog,
 * overridden per model by a local file (`QUIZFORGE_PRICES`) for self-hosted or unlisted models.
 * A model found in neither has no price: its cost is `null`, never 0.
 */
import { readFileSync } from 'node:fs';
import { calcPrice, type ModelInfo, type Provider } from '@pydantic/genai-prices';
import { z } from 'zod';

/**
 * What a call answered through a provider's Batch API costs, as a share of its listed price:
 * OpenAI, Together and Anthropic document 50% off for batch requests. One factor for all: the
 * catalog has no batch prices, and a provider without a Batch API never gets here (economy
 * falls back to live calls, priced in full).
 */
export const BATCH_PRICE_FACTOR = 0.5;

/** Token counts a price applies to; `cachedTokens` are part of `promptTokens`. */
export interface PricedUsage {
  promptTokens: number;
  completionTokens: number;
  cachedTokens?: number;
}

export interface PriceTable {
  /** Dollars for one call's usage; null when the model has no known price. */
  cost(model: string, usage: PricedUsage): number | null;
  /** Whether `cost` knows the model. */
  has(model: string): boolean;
}

/** Dollars per million tokens, named as in the catalog (`cache_read_mtok`: cached prompt tokens). */
const ModelPriceSchema = z.strictObject({
  input_mtok: z.number().min(0),
  output_mtok: z.number().min(0),
  cache_read_mtok: z.number().min(0).optional(),
});

/** The override file: `{ "models": { "<model id>": { "input_mtok": 0.5, "output_mtok": 1.5 } } }`. */
export const PriceFileSchema = z.strictObject({ models: z.record(z.string().min(1), ModelPriceSchema) });
export type PriceFile = z.output<typeof PriceFileSchema>;

/** An unusable `QUIZFORGE_PRICES` file; the message names the file and the field. */
export class PriceFileError extends Error {
  override readonly name = 'PriceFileError';
}

function overrideProvider(file: PriceFile): Provider {
  const models: ModelInfo[] = Object.entries(file.models).map(([id, prices]) => ({ id, match: { equals: id }, prices }));
  return { id: 'quizforge-overrides', name: 'QUIZFORGE_PRICES', api_pattern: '.*', models };
}

/** A price table over the catalog, with `overrides` taking precedence for the models they name. */
export function createPriceTable(overrides: PriceFile = { models: {} }): PriceTable {
  const provider = overrideProvider(overrides);
  const price = (model: string, usage: PricedUsage): number | null => {
    const counts = {
      input_tokens: usage.promptTokens,
      output_tokens: usage.completionTokens,
      ...(usage.cachedTokens ? { cache_read_tokens: Math.min(usage.cachedTokens, usage.promptTokens) } : {}),
    };
    const result = model in overrides.models ? calcPrice(counts, model, { provider }) : calcPrice(counts, model);
    return result === null ? null : result.total_price;
  };
  return {
    cost: price,
    has: (model) => price(model, { promptTokens: 0, completionTokens: 0 }) !== null,
  };
}

/** Parses an override file's text; `where` names it in errors. */
export function parsePriceFile(text: string, where: string): PriceFile {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new PriceFileError(`${where}: not JSON (${err instanceof Error ? err.message : String(err)})`);
  }
  const parsed = PriceFileSchema.safeParse(json);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  throw new PriceFileError(`${where}: ${issue?.path.join('.') || '(root)'}: ${issue?.message ?? 'invalid'}`);
}

/** The catalog plus the `QUIZFORGE_PRICES` file when set; read once at start-up so a bad file fails loudly. */
export function loadPriceTable(env: Record<string, string | undefined>): PriceTable {
  const path = env.QUIZFORGE_PRICES?.trim();
  if (!path) return createPriceTable();
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new PriceFileError(`QUIZFORGE_PRICES=${path}: cannot read (${err instanceof Error ? err.message : String(err)})`);
  }
  return createPriceTable(parsePriceFile(text, `QUIZFORGE_PRICES=${path}`));
}

let catalogOnly: PriceTable | undefined;

/** The catalog without overrides, shared: for callers given no table (tests, tools). */
export function catalogPriceTable(): PriceTable {
  catalogOnly ??= createPriceTable();
  return catalogOnly;
}
