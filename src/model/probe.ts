import { callChat } from './chat.js';
import type { ModelClient } from './client.js';
import { OUTPUT_MODES, extractOutput, nextModeAfter, outputRequest, type OutputMode } from './output-modes.js';

const PROBE_SCHEMA = {
  type: 'object',
  properties: { ok: { type: 'boolean', description: 'Always true.' } },
  required: ['ok'],
  additionalProperties: false,
};

/**
 * Asks the server for a one-field JSON object in each output mode, stepping down as the pipeline
 * would, and says which mode produced parseable JSON. Costs one to five small calls.
 */
export async function probeOutputMode(
  client: ModelClient,
  model: string,
): Promise<{ mode: OutputMode | null; tried: Array<{ mode: OutputMode; result: string }> }> {
  const tried: Array<{ mode: OutputMode; result: string }> = [];
  let mode: OutputMode | null = OUTPUT_MODES[0];
  while (mode !== null) {
    const req = outputRequest(mode, { name: 'probe', description: 'an object {"ok": true}', schema: PROBE_SCHEMA });
    const messages = [
      ...(req.instructions === null ? [] : [{ role: 'system' as const, content: req.instructions }]),
      { role: 'user' as const, content: 'Reply with the JSON object {"ok": true}.' },
    ];
    const outcome = await callChat(client, { model, messages, ...req.fields, max_completion_tokens: 50 });
    if (outcome.kind === 'error') {
      tried.push({ mode, result: outcome.error.message.slice(0, 120) });
      const next = nextModeAfter(mode, outcome.error);
      if (next === null) return { mode: null, tried };
      mode = next;
      continue;
    }
    const text = extractOutput(outcome).text;
    try {
      JSON.parse(text);
      tried.push({ mode, result: 'JSON received' });
      return { mode, tried };
    } catch {
      tried.push({ mode, result: 'answer was not JSON' });
      mode = OUTPUT_MODES[OUTPUT_MODES.indexOf(mode) + 1] ?? null;
    }
  }
  return { mode: null, tried };
}
