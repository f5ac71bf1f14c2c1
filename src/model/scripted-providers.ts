/**
 * Scripted OpenAI-compatible servers that behave like the providers users point quizforge at, one
 * per documented quirk (see src/model/README.md for each row and its source). Only the transport
 * quirks are scripted; what the "model" says is the caller's `answer`.
 */
import type { ChatCompletionRequestBody, ScriptFn, ScriptedReply } from './scripted-server.js';

export const PROVIDER_QUIRKS = [
  'openai',
  'deepseek',
  'gemini',
  'anthropic_compat',
  'tools_only',
  'dropping_gateway',
  'vllm_llamacpp',
] as const;
export type ProviderQuirk = (typeof PROVIDER_QUIRKS)[number];

/** The JSON document the scripted model answers with, given the request and the schema it asked for. */
export type AnswerFn = (req: { body: ChatCompletionRequestBody; n: number; schema: Record<string, unknown> | null }) => string;

/** Keywords Gemini's OpenAI endpoint rejects inside a response schema. */
const GEMINI_REJECTS = ['additionalProperties', '$schema', 'const', 'exclusiveMinimum', 'exclusiveMaximum'];

/** The value at `path` in parsed JSON, or undefined. */
export function get(value: unknown, ...path: string[]): unknown {
  let cur = value;
  for (const key of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[key];
  }
  return cur;
}

function asObject(value: unknown): Record<string, unknown> | null {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
}

/**
 * The schema a request asks for, wherever its output mode put it: `response_format.json_schema`,
 * the forced tool's parameters, or the `<output_schema>` block of the prompt.
 */
export function requestedSchema(body: ChatCompletionRequestBody): Record<string, unknown> | null {
  const inFormat = asObject(get(body, 'response_format', 'json_schema', 'schema'));
  if (inFormat) return inFormat;
  const tools = get(body, 'tools');
  const inTool = Array.isArray(tools) ? asObject(get(tools[0], 'function', 'parameters')) : null;
  if (inTool) return inTool;
  for (const message of body.messages) {
    const content = typeof message.content === 'string' ? message.content : '';
    const match = /<output_schema>\n([\s\S]*?)\n<\/output_schema>/.exec(content);
    if (match?.[1] !== undefined) {
      try {
        return asObject(JSON.parse(match[1]));
      } catch {
        return null;
      }
    }
  }
  return null;
}

function findKeyword(node: unknown, keywords: readonly string[]): string | null {
  if (Array.isArray(node)) {
    for (const item of node) {
      const found = findKeyword(item, keywords);
      if (found !== null) return found;
    }
    return null;
  }
  const obj = asObject(node);
  if (!obj) return null;
  for (const [key, value] of Object.entries(obj)) {
    if (keywords.includes(key)) return key;
    // Under `properties` the keys are field names, not keywords.
    const found = key === 'properties' ? findKeyword(Object.values(asObject(value) ?? {}), keywords) : findKeyword(value, keywords);
    if (found !== null) return found;
  }
  return null;
}

const badRequest = (message: string): ScriptedReply => ({
  status: 400,
  error: { message, type: 'invalid_request_error', code: 'invalid_request_error' },
});

/** A script for the scripted server that answers like `quirk` would. */
export function providerScript(quirk: ProviderQuirk, answer: AnswerFn): ScriptFn {
  return ({ body, n }) => {
    const formatType = get(body, 'response_format', 'type');
    const hasTools = Array.isArray(get(body, 'tools'));
    const json = (): string => answer({ body, n, schema: requestedSchema(body) });
    switch (quirk) {
      case 'openai':
        return { content: json() };
      case 'deepseek': {
        if (formatType === 'json_schema') return badRequest('This response_format type is unavailable now');
        if (hasTools) return badRequest('deepseek-reasoner does not support Function Calling');
        const prompt = body.messages.map((m) => (typeof m.content === 'string' ? m.content : '')).join('\n');
        if (formatType === 'json_object' && !/json/i.test(prompt)) {
          return badRequest("Prompt must contain the word 'json' in some form to use 'response_format' of type 'json_object'.");
        }
        return { content: json() };
      }
      case 'gemini': {
        const keyword = formatType === 'json_schema' ? findKeyword(get(body, 'response_format', 'json_schema', 'schema'), GEMINI_REJECTS) : null;
        if (keyword !== null) {
          return badRequest(`Invalid JSON payload received. Unknown name "${keyword}" at 'generation_config.response_schema': Cannot find field.`);
        }
        return { content: json() };
      }
      case 'anthropic_compat':
        // `response_format` is ignored: the answer is prose with a fenced block.
        return { content: `Here is the quiz you asked for.\n\n\`\`\`json\n${json()}\n\`\`\`\n\nEach question has exactly one correct option.` };
      case 'tools_only':
        if (formatType !== undefined) return badRequest(`response_format of type ${String(formatType)} is not supported`);
        if (hasTools) return { toolCall: { name: String(get(body, 'tools', '0', 'function', 'name') ?? 'quiz'), arguments: json() } };
        return { content: json() };
      case 'dropping_gateway':
        // 200 with `response_format` silently dropped: the model's own habits show, almost-JSON in prose.
        return { content: `Sure! Here it is:\n${toAlmostJson(json())}\nLet me know if you want more.` };
      case 'vllm_llamacpp':
        if (hasTools) return badRequest('tools and tool_choice are not supported by this server');
        // A grammar enforces the schema; the text is pretty-printed with a leading newline.
        return { content: `\n${JSON.stringify(JSON.parse(json()), null, 2)}\n` };
    }
  };
}

/** A trailing comma after the last top-level member and a missing final brace: what jsonrepair fixes. */
function toAlmostJson(json: string): string {
  return json.endsWith('}') ? `${json.slice(0, -1)},` : json;
}
