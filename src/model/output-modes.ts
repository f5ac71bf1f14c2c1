import type { ChatCompletionCreateParamsNonStreaming } from 'openai/resources/chat/completions';
import type { ModelError } from './errors.js';
import { extractJson, type ExtractedOutput } from './extract.js';
import { schemaInDialect } from './schema-dialect.js';

/**
 * How a structured answer is asked for, most to least enforced. Discovery steps down this list
 * when a server says (400) it does not support the current one.
 */
export const OUTPUT_MODES = ['json_schema', 'json_schema_conservative', 'tools', 'json_object', 'text'] as const;
export type OutputMode = (typeof OUTPUT_MODES)[number];

export function isOutputMode(value: unknown): value is OutputMode {
  return typeof value === 'string' && (OUTPUT_MODES as readonly string[]).includes(value);
}

export type OutputSpec = {
  /** Function / schema name, e.g. `quiz`. */
  name: string;
  description: string;
  /** JSON Schema in the strict dialect; other modes derive their dialect from it. */
  schema: Record<string, unknown>;
};

export type OutputRequest = {
  /** Body fields to merge into the chat request. */
  fields: Pick<ChatCompletionCreateParamsNonStreaming, 'response_format' | 'tools' | 'tool_choice'>;
  /** A system message to append when the schema travels in the prompt (json_object, text); else null. */
  instructions: string | null;
};

/** The request fields that ask for `spec` in `mode`. */
export function outputRequest(mode: OutputMode, spec: OutputSpec): OutputRequest {
  switch (mode) {
    case 'json_schema':
      return {
        fields: { response_format: { type: 'json_schema', json_schema: { name: spec.name, strict: true, schema: spec.schema } } },
        instructions: null,
      };
    case 'json_schema_conservative':
      return {
        fields: {
          response_format: {
            type: 'json_schema',
            json_schema: { name: spec.name, description: spec.description, schema: schemaInDialect(spec.schema, 'conservative') },
          },
        },
        instructions: null,
      };
    case 'tools':
      return {
        fields: {
          tools: [
            {
              type: 'function',
              function: { name: spec.name, description: spec.description, parameters: schemaInDialect(spec.schema, 'conservative') },
            },
          ],
          tool_choice: { type: 'function', function: { name: spec.name } },
        },
        instructions: null,
      };
    case 'json_object':
      return { fields: { response_format: { type: 'json_object' } }, instructions: schemaInstructions(spec) };
    case 'text':
      return { fields: {}, instructions: schemaInstructions(spec) };
  }
}

/** The schema in the prompt, for servers that enforce no schema. Tagged so it is easy to find. */
function schemaInstructions(spec: OutputSpec): string {
  const schema = JSON.stringify(schemaInDialect(spec.schema, 'conservative'));
  return [
    `Reply with exactly one JSON object (${spec.description}) and nothing else: no prose, no code fence.`,
    'It must match this JSON Schema:',
    `<output_schema>\n${schema}\n</output_schema>`,
  ].join('\n');
}

/** What a completion carried, as far as output extraction cares. */
export type ReplyParts = { content: string | null; toolArguments: string | null };

/**
 * The JSON text of a reply in any mode: the forced tool call's arguments when there is one (a
 * server may answer in content despite `tool_choice`), else the content, with JSON found in prose
 * and almost-JSON repaired. Every mode then goes to the same validator.
 */
export function extractOutput(reply: ReplyParts): ExtractedOutput {
  if (reply.toolArguments !== null && reply.toolArguments.trim() !== '') {
    const found = extractJson(reply.toolArguments);
    return { text: found.text, normalisations: [{ kind: 'tool_arguments', from: 'tool_calls[0].function.arguments', to: '$' }, ...found.normalisations] };
  }
  return extractJson(reply.content ?? '');
}

/** The server says something is not supported (as opposed to "your request is wrong"). */
const UNSUPPORTED =
  /not supported|unsupported|unavailable|not available|does not support|not implemented|unknown (name|parameter|field)|unrecognized|invalid json payload/i;
/** …and names a schema keyword: the conservative dialect may pass. */
const KEYWORD = /additionalProperties|\$schema|exclusiveM(in|ax)imum|\bconst\b|minLength|maxLength|\bpattern\b|\bformat\b|schema (feature|keyword)|grammar|unknown name/i;
/** …or names the output format, tools, or structured output as a whole. */
const FORMAT = /response_format|json_schema|json_object|structured output|tool_choice|\btools?\b|function|guided/i;

/**
 * The mode to try next after `error`, or null when the error is not about the output mode. Only a
 * 400 whose message says a format, a feature or a schema keyword is unsupported steps down; any
 * other 400 (an invalid schema, a bad parameter) is a real bad request.
 */
export function nextModeAfter(mode: OutputMode, error: ModelError): OutputMode | null {
  if (error.kind !== 'bad_request' || (error.status !== 400 && error.status !== 422)) return null;
  const message = error.message;
  if (!UNSUPPORTED.test(message)) return null;
  const keyword = KEYWORD.test(message);
  if (!keyword && !FORMAT.test(message)) return null;
  if (mode === 'json_schema') return keyword ? 'json_schema_conservative' : 'tools';
  return OUTPUT_MODES[OUTPUT_MODES.indexOf(mode) + 1] ?? null;
}
