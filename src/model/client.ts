import OpenAI from 'openai';
import { createCassetteFetch, createMetaStrippingFetch } from './cassette-fetch.js';
import type { FetchLike } from './cassette-fetch.js';
import type { ModelConfig, ModelMode } from './config.js';

/** An SDK client plus the facts callers need without reaching into the SDK. */
export type ModelClient = { openai: OpenAI; mode: ModelMode; model: string };

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
  const openai = new OpenAI({
    apiKey: config.apiKey,
    baseURL: config.baseURL ?? DEFAULT_BASE_URL,
    maxRetries: 0,
    timeout: config.timeoutMs,
    fetch,
  });
  return { openai, mode: config.mode, model: config.model };
}
