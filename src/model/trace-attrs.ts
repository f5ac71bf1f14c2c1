import type { Attributes } from '@opentelemetry/api';
import {
  ATTR_GEN_AI_OPERATION_NAME,
  ATTR_GEN_AI_PROVIDER_NAME,
  ATTR_GEN_AI_REQUEST_MAX_TOKENS,
  ATTR_GEN_AI_REQUEST_MODEL,
  ATTR_GEN_AI_RESPONSE_FINISH_REASONS,
  ATTR_GEN_AI_RESPONSE_ID,
  ATTR_GEN_AI_RESPONSE_MODEL,
  ATTR_GEN_AI_USAGE_INPUT_TOKENS,
  ATTR_GEN_AI_USAGE_OUTPUT_TOKENS,
  GEN_AI_OPERATION_NAME_VALUE_CHAT,
} from '@opentelemetry/semantic-conventions/incubating';
import { ATTR_SERVER_ADDRESS, ATTR_SERVER_PORT } from '@opentelemetry/semantic-conventions';
import { QF_ATTR, defined } from '../telemetry/spans.js';

/** Well-known `gen_ai.provider.name` values by API host; anything else is named by its host. */
const PROVIDERS: Array<[RegExp, string]> = [
  [/(^|\.)api\.openai\.com$/, 'openai'],
  [/\.openai\.azure\.com$/, 'azure.ai.openai'],
  [/(^|\.)api\.deepseek\.com$/, 'deepseek'],
  [/(^|\.)generativelanguage\.googleapis\.com$/, 'gcp.gemini'],
  [/(^|\.)aiplatform\.googleapis\.com$/, 'gcp.vertex_ai'],
  [/(^|\.)api\.anthropic\.com$/, 'anthropic'],
  [/(^|\.)api\.mistral\.ai$/, 'mistral_ai'],
  [/(^|\.)api\.groq\.com$/, 'groq'],
  [/(^|\.)api\.x\.ai$/, 'x_ai'],
  [/(^|\.)api\.perplexity\.ai$/, 'perplexity'],
  [/(^|\.)api\.cohere\.(ai|com)$/, 'cohere'],
];

/**
 * The provider as the GenAI conventions name it. A self-hosted OpenAI-compatible server (Ollama,
 * vLLM, llama.cpp, a gateway) has no registered name: it is reported as `openai_compatible`, with
 * `server.address` telling which one.
 */
export function providerName(baseURL: string): string {
  const host = new URL(baseURL).hostname;
  return PROVIDERS.find(([re]) => re.test(host))?.[1] ?? 'openai_compatible';
}

/** What the caller's `meta` says about the call (quizforge's pipeline passes kind/attempt/mode). */
function metaAttributes(meta: unknown): Attributes {
  if (meta === null || typeof meta !== 'object') return {};
  const m = meta as Record<string, unknown>;
  return defined({
    [QF_ATTR.attempt]: typeof m.attempt === 'number' ? m.attempt : undefined,
    [QF_ATTR.callKind]: typeof m.kind === 'string' ? m.kind : undefined,
    [QF_ATTR.outputMode]: typeof m.mode === 'string' ? m.mode : undefined,
  });
}

/** Attributes known before the request is sent (sampling decisions may use them). */
export function requestAttributes(baseURL: string, model: string, maxTokens: number | null | undefined, meta: unknown): Attributes {
  const url = new URL(baseURL);
  return {
    [ATTR_GEN_AI_OPERATION_NAME]: GEN_AI_OPERATION_NAME_VALUE_CHAT,
    [ATTR_GEN_AI_PROVIDER_NAME]: providerName(baseURL),
    [ATTR_GEN_AI_REQUEST_MODEL]: model,
    [ATTR_SERVER_ADDRESS]: url.hostname,
    [ATTR_SERVER_PORT]: Number(url.port || (url.protocol === 'https:' ? 443 : 80)),
    ...defined({ [ATTR_GEN_AI_REQUEST_MAX_TOKENS]: maxTokens ?? undefined }),
    ...metaAttributes(meta),
  };
}

/** Attributes of an answered call. */
export function responseAttributes(r: {
  id: string | undefined;
  model: string | undefined;
  finishReason: string | null;
  usage: { promptTokens: number; completionTokens: number };
}): Attributes {
  return defined({
    [ATTR_GEN_AI_RESPONSE_ID]: r.id,
    [ATTR_GEN_AI_RESPONSE_MODEL]: r.model,
    [ATTR_GEN_AI_RESPONSE_FINISH_REASONS]: r.finishReason === null ? undefined : [r.finishReason],
    [ATTR_GEN_AI_USAGE_INPUT_TOKENS]: r.usage.promptTokens,
    [ATTR_GEN_AI_USAGE_OUTPUT_TOKENS]: r.usage.completionTokens,
  });
}
