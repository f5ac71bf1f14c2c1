import { SpanKind, type Span } from '@opentelemetry/api';
import type { ChatCompletionCreateParamsNonStreaming } from 'openai/resources/chat/completions';
import { z } from 'zod';
import { failSpan, tracer } from '../telemetry/spans.js';
import { FIXTURE_META_HEADER, encodeFixtureMeta } from './cassettes.js';
import type { ModelClient } from './client.js';
import { classifyModelError, isUserAbort } from './errors.js';
import type { ModelError } from './errors.js';
import { parseRateLimitHeaders, type RateLimitInfo } from './rate-headers.js';
import { requestAttributes, responseAttributes } from './trace-attrs.js';

/** One chat call as the pipeline sees it: an answer with its costs, or a classified failure. */
export type ChatOutcome =
  | {
      kind: 'completion';
      content: string | null;
      /** Arguments of the first tool call (the forced one in `tools` mode), else null. */
      toolArguments: string | null;
      refusal: string | null;
      finishReason: string | null;
      /** `cachedTokens` are part of `promptTokens`, `reasoningTokens` of `completionTokens`; 0 when not reported. */
      usage: ChatUsage;
      latencyMs: number;
      /** The `x-ratelimit-*` headers of the response, when it sent any. */
      rateLimit: RateLimitInfo | null;
      /** The response JSON exactly as parsed by the SDK, for transcripts. */
      raw: unknown;
    }
  | { kind: 'error'; error: ModelError };

/** Token counts of one answer, as the provider reported them. */
export interface ChatUsage {
  promptTokens: number;
  completionTokens: number;
  /** `usage.prompt_tokens_details.cached_tokens`: prompt tokens served from the provider's prompt cache. */
  cachedTokens: number;
  /** `usage.completion_tokens_details.reasoning_tokens`, where the provider reports them. */
  reasoningTokens: number;
}

/** The request body callers pass; `model` may be omitted to use the client's configured model. */
export type ChatRequestBody = Omit<ChatCompletionCreateParamsNonStreaming, 'model' | 'stream'> & {
  model?: string;
  stream?: false | null;
};

export type CallChatOptions = {
  /** Stored with the cassette in record mode (topic, attempt, prompt versions...); never sent to a server. */
  meta?: unknown;
  signal?: AbortSignal;
};

/**
 * Sends one chat completion and normalises the result, so no SDK shape leaks past the model layer.
 * Provider and network failures come back as `{ kind: 'error' }`; only an abort requested through
 * `signal` (the caller's own decision) and programmer errors are thrown.
 * Each call is one `chat {model}` client span (GenAI semantic conventions plus the caller's
 * kind/attempt/mode from `meta`), a child of whatever span is active (the job's).
 */
export async function callChat(
  client: ModelClient,
  body: ChatRequestBody,
  opts: CallChatOptions = {},
): Promise<ChatOutcome> {
  if ((body as { stream?: unknown }).stream === true) {
    throw new TypeError('callChat does not support streaming; omit `stream`');
  }
  // A falsy `stream` is dropped so it cannot split one logical request into two fixture keys.
  const { stream: _stream, ...rest } = body;
  const params: ChatCompletionCreateParamsNonStreaming = { ...rest, model: body.model ?? client.model };
  const span = tracer().startSpan(`chat ${params.model}`, {
    kind: SpanKind.CLIENT,
    attributes: requestAttributes(client.baseURL, params.model, params.max_completion_tokens ?? params.max_tokens, opts.meta),
  });
  try {
    const outcome = await send(client, params, opts);
    annotate(span, outcome);
    return outcome;
  } catch (err) {
    failSpan(span, err);
    throw err;
  } finally {
    span.end();
  }
}

async function send(client: ModelClient, params: ChatCompletionCreateParamsNonStreaming, opts: CallChatOptions): Promise<ChatOutcome> {
  const headers = opts.meta === undefined ? undefined : { [FIXTURE_META_HEADER]: encodeFixtureMeta(opts.meta) };
  const started = performance.now();
  let completion: unknown;
  let rateLimit: RateLimitInfo | null = null;
  try {
    const { data, response } = await client.openai.chat.completions
      .create(params, {
        ...(headers ? { headers } : {}),
        ...(opts.signal ? { signal: opts.signal } : {}),
      })
      .withResponse();
    completion = data;
    rateLimit = parseRateLimitHeaders(response.headers);
  } catch (err) {
    if (isUserAbort(err)) throw err;
    return { kind: 'error', error: classifyModelError(err) };
  }
  const latencyMs = Math.round(performance.now() - started);
  return toOutcome(completion, latencyMs, rateLimit);
}

/** Usage and finish reason of an answer; a classified error (or a refusal) fails the span. */
function annotate(span: Span, outcome: ChatOutcome): void {
  if (outcome.kind === 'error') {
    const e = outcome.error;
    failSpan(span, new Error(e.message), e.kind);
    if (e.status !== undefined) span.setAttribute('http.response.status_code', e.status);
    return;
  }
  const raw = outcome.raw !== null && typeof outcome.raw === 'object' ? (outcome.raw as Record<string, unknown>) : {};
  span.setAttributes(
    responseAttributes({
      id: typeof raw.id === 'string' ? raw.id : undefined,
      model: typeof raw.model === 'string' ? raw.model : undefined,
      finishReason: outcome.finishReason,
      usage: outcome.usage,
    }),
  );
  if (outcome.refusal !== null) span.setAttribute('quizforge.refusal', true);
}

/** The part of a chat.completion we rely on; servers claiming OpenAI compatibility do drift. */
const CompletionShape = z.object({
  choices: z.array(
    z.object({
      message: z.object({
        content: z.string().nullish(),
        refusal: z.string().nullish(),
        tool_calls: z
          .array(z.looseObject({ function: z.looseObject({ arguments: z.string().nullish() }).nullish() }))
          .nullish(),
      }),
      finish_reason: z.string().nullish(),
    }),
  ),
  usage: z
    .object({
      prompt_tokens: z.number().nullish(),
      completion_tokens: z.number().nullish(),
      prompt_tokens_details: z.object({ cached_tokens: z.number().nullish() }).nullish(),
      completion_tokens_details: z.object({ reasoning_tokens: z.number().nullish() }).nullish(),
    })
    .nullish(),
});

/**
 * A chat.completion body that came back some other way (a Batch API output line) as the outcome
 * a live call would have had; no latency or rate-limit headers belong to it.
 */
export function completionOutcome(completion: unknown): ChatOutcome {
  return toOutcome(completion, 0, null);
}

function toOutcome(completion: unknown, latencyMs: number, rateLimit: RateLimitInfo | null): ChatOutcome {
  const raw: unknown = JSON.parse(JSON.stringify(completion) ?? 'null');
  const parsed = CompletionShape.safeParse(completion);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.join('.') || '(root)';
    return {
      kind: 'error',
      error: { kind: 'unknown', message: `malformed chat completion at ${where}: ${issue?.message ?? 'unknown'}` },
    };
  }
  const completionData = parsed.data;
  const choice = completionData.choices[0];
  if (!choice) {
    return { kind: 'error', error: { kind: 'unknown', message: 'model response contained no choices' } };
  }
  return {
    kind: 'completion',
    content: choice.message.content ?? null,
    toolArguments: choice.message.tool_calls?.[0]?.function?.arguments ?? null,
    refusal: choice.message.refusal ?? null,
    finishReason: choice.finish_reason ?? null,
    usage: {
      promptTokens: completionData.usage?.prompt_tokens ?? 0,
      completionTokens: completionData.usage?.completion_tokens ?? 0,
      cachedTokens: completionData.usage?.prompt_tokens_details?.cached_tokens ?? 0,
      reasoningTokens: completionData.usage?.completion_tokens_details?.reasoning_tokens ?? 0,
    },
    latencyMs,
    rateLimit,
    raw,
  };
}
