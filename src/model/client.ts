import OpenAI from 'openai';
import { createCassetteFetch, createMetaStrippingFetch } from './cassette-fetch.js';
import type { FetchLike } from './cassette-fetch.js';
import type { ModelConfig, ModelMode } from './config.js';
import type { OutputMode } from './output-modes.js';

/** An SDK client plus the facts callers need without reaching into the SDK. */
export type ModelClient = {
  openai: OpenAI;
  mode: ModelMode;
  model: string;
  /** The base URL calls go to; with the model it keys what is known about the server's output modes. */
  baseURL: string;
  /** The output mode for a model: configured, or `auto` to use the recorded capability or discover it. */
  outputModeFor(model: string): OutputMode | 'auto';
  /** Shared limits per base URL + model; undefined = none configured. */
  limits: { requestsPerMinute?: number; tokensPerMinute?: number };
};

/** Used when no base URL is configured; fixed here so the SDK never reads the environment behind our back. */
export const DEFAULT_BASE_URL = 'https://api.openai.com/v1';

/**
 * Builds the one SDK client for a process. Retries are off because the job engine is the single
 * retry authority; record/replay plug in below the SDK so its own parsing and errors still run.
 */
export function createModelClient(config: ModelConfig, deps: { fetch?: FetchLike } = {}): ModelClient {
  const baseFetch = deps.fetch ?? globalThis.fetch;
  const fetch =
    config.mode === 'live'
      ? createMetaStrippingFetch(baseFetch)
      : createCassetteFetch({ mode: config.mode, fixturesDir: config.fixturesDir, baseFetch });
  const baseURL = config.baseURL ?? DEFAULT_BASE_URL;
  const openai = new OpenAI({
    apiKey: config.apiKey,
    baseURL,
    maxRetries: 0,
    timeout: config.timeoutMs,
    fetch,
  });
  const overrides = config.outputModeOverrides ?? {};
  const fallback = config.outputMode ?? 'auto';
  return {
    openai,
    mode: config.mode,
    model: config.model,
    baseURL,
    outputModeFor: (model) => overrides[model] ?? fallback,
    limits: {
      ...(config.requestsPerMinute === undefined ? {} : { requestsPerMinute: config.requestsPerMinute }),
      ...(config.tokensPerMinute === undefined ? {} : { tokensPerMinute: config.tokensPerMinute }),
    },
  };
}
