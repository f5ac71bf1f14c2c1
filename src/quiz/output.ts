/**
 * The seam between the repair loop and the model's output modes: which mode a call uses, what a
 * step down after an "unsupported" 400 records, and the JSON text handed to the validator.
 */
import type { Executor } from '../db/client.js';
import { findModelCapability, recordModelCapability, type ModelCapability } from '../db/quiz/capabilities.js';
import type { ModelClient } from '../model/client.js';
import type { ModelError } from '../model/errors.js';
import { OUTPUT_MODES, extractOutput, isOutputMode, nextModeAfter, outputRequest, type OutputMode, type OutputRequest, type OutputSpec } from '../model/output-modes.js';
import type { ChatMessage } from './messages.js';
import type { Normalisation } from './validate/index.js';

/** How long a learnt capability is trusted before the better mode is tried again. */
export const CAPABILITY_TTL_MS = 24 * 60 * 60 * 1000;

export type ModeChoice = { mode: OutputMode; configured: boolean };

/**
 * How long a process reuses what it read of a server's capability before reading it again. The
 * read was one round trip before every model call while the call's slot was held (bench:pipeline);
 * now it is one per key per process per this period. A mode another process learnt meanwhile
 * costs this process at most one refused call, which steps down at once (as before the cache);
 * a step-down here forgets the entry, and a record's own expiry is honoured exactly.
 */
export const CAPABILITY_CACHE_MS = 2_000;

interface CapabilityEntry {
  known: ModelCapability | null;
  readAt: number;
  reading: Promise<ModelCapability | null> | null;
}

/** Per database handle (one per process; tests open one per database), per server and model. */
const capabilities = new WeakMap<Executor, Map<string, CapabilityEntry>>();

function capabilityEntries(db: Executor): Map<string, CapabilityEntry> {
  let m = capabilities.get(db);
  if (!m) capabilities.set(db, (m = new Map()));
  return m;
}

const capabilityKey = (client: ModelClient, model: string) => `${client.baseURL} ${model}`;

/** The recorded capability, read at most once per CAPABILITY_CACHE_MS (concurrent callers share one read). */
async function knownCapability(db: Executor, client: ModelClient, model: string): Promise<ModelCapability | null> {
  const entries = capabilityEntries(db);
  const key = capabilityKey(client, model);
  const e = entries.get(key) ?? { known: null, readAt: -Infinity, reading: null };
  entries.set(key, e);
  if (Date.now() - e.readAt >= CAPABILITY_CACHE_MS) {
    e.reading ??= findModelCapability(db, client.baseURL, model).finally(() => {
      e.reading = null;
    });
    e.known = await e.reading;
    e.readAt = Date.now();
  }
  return e.known !== null && e.known.expiresAt.getTime() > Date.now() ? e.known : null;
}

/** The configured mode for `model`, else the one recorded for this server, else the strictest. */
export async function chooseOutputMode(db: Executor, client: ModelClient, model: string): Promise<ModeChoice> {
  const configured = client.outputModeFor(model);
  if (configured !== 'auto') return { mode: configured, configured: true };
  const known = await knownCapability(db, client, model);
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
  // The next call reads what every worker now agrees on (a concurrent one may have stepped further).
  capabilityEntries(db).delete(capabilityKey(client, model));
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
