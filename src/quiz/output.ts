/**
 * The seam between the repair loop and the model's output modes: which mode a call uses, what a
 * step down after an "unsupported" 400 records, and the JSON text handed to the validator.
 */
import type { Executor } from '../db/client.js';
import { findModelCapability, recordModelCapability } from '../db/quiz/capabilities.js';
import type { ModelClient } from '../model/client.js';
import type { ModelError } from '../model/errors.js';
import { OUTPUT_MODES, extractOutput, isOutputMode, nextModeAfter, outputRequest, type OutputMode, type OutputRequest, type OutputSpec } from '../model/output-modes.js';
import type { ChatMessage } from './messages.js';
import type { Normalisation } from './validate/index.js';

/** How long a learnt capability is trusted before the better mode is tried again. */
export const CAPABILITY_TTL_MS = 24 * 60 * 60 * 1000;

export type ModeChoice = { mode: OutputMode; configured: boolean };

/** The configured mode for `model`, else the one recorded for this server, else the strictest. */
export async function chooseOutputMode(db: Executor, client: ModelClient, model: string): Promise<ModeChoice> {
  const configured = client.outputModeFor(model);
  if (configured !== 'auto') return { mode: configured, configured: true };
  const known = await findModelCapability(db, client.baseURL, model);
  return { mode: known !== null && isOutputMode(known.outputMode) ? known.outputMode : 'json_schema', configured: false };
}

/**
 * After a failed call: the mode to retry with at once, recorded for every worker, or null when
 * the error is not a refusal of the output mode (or the mode was configured, which is never overridden).
 */
export async function stepDownOutputMode(
  db: Executor,
  client: ModelClient,
  model: string,
  choice: ModeChoice,
  error: ModelError,
): Promise<OutputMode | null> {
  if (choice.configured) return null;
  const next = nextModeAfter(choice.mode, error);
  if (next === null) return null;
  await recordModelCapability(db, {
    baseUrl: client.baseURL,
    model,
    outputMode: next,
    reason: `${choice.mode} refused: ${error.message}`,
    ttlMs: CAPABILITY_TTL_MS,
    modes: OUTPUT_MODES,
  });
  return next;
}

/** The request fields and messages for `count` questions in `mode`, constrained by the output `schema`. */
export function quizOutputRequest(mode: OutputMode, messages: ChatMessage[], count: number, schema: Record<string, unknown>) {
  return structuredOutputRequest(mode, messages, {
    name: 'quiz',
    description: `an object {"questions": [...]} with exactly ${count} question${count === 1 ? '' : 's'}`,
    schema,
  });
}

/** The request fields and messages asking for any named structured output (`quiz`, `quiz_verification`) in `mode`. */
export function structuredOutputRequest(mode: OutputMode, messages: ChatMessage[], spec: OutputSpec) {
  const request: OutputRequest = outputRequest(mode, spec);
  // After the leading system prompt, so the conversation still ends with the ask itself.
  const lead = messages.findIndex((m) => m.role !== 'system');
  const at = lead < 0 ? messages.length : lead;
  const sent: ChatMessage[] =
    request.instructions === null
      ? messages
      : [...messages.slice(0, at), { role: 'system', content: request.instructions }, ...messages.slice(at)];
  return { fields: request.fields, messages: sent };
}

/** The JSON text for the validator, and the rewrites made to find it (recorded as normalisations). */
export function quizOutputText(reply: { content: string | null; toolArguments: string | null }): {
  text: string;
  normalisations: Normalisation[];
} {
  const extracted = extractOutput(reply);
  return {
    text: extracted.text,
    normalisations: extracted.normalisations.map((n) => ({ path: '$', kind: n.kind, from: n.from, to: n.to })),
  };
}
