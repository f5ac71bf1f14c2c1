import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useTestDatabase } from '../../helpers/db.js';
import { queryRows } from '../../../src/db/rows.js';
import { providerScript, type ProviderQuirk } from '../../../src/model/scripted-providers.js';
import { answerText, demoQuestion, readAsk } from '../../../src/quiz/demo-model.js';
import { CAPABILITY_CACHE_MS } from '../../../src/quiz/output.js';
import { callsOf, startPipeline, type Pipeline } from './harness.js';

const getDb = useTestDatabase();
let p: Pipeline;
let from = 0;

beforeAll(async () => {
  p = await startPipeline(getDb().database);
});
afterAll(async () => {
  if (p !== undefined) await p.stop();
});

let n = 0;
const answer = ({ body }: { body: Parameters<typeof readAsk>[0] }): string => {
  const ask = readAsk(body);
  return answerText(Array.from({ length: ask.count }, () => demoQuestion(ask.topic, ++n, ask.options, 1)));
};

/** How each request since the last batch asked for its output. */
function modesSent(): string[] {
  const sent = (p.server?.requests ?? []).slice(from).map((r) => {
    const body = r.body as Record<string, unknown>;
    const format = body.response_format as { type?: string; json_schema?: { strict?: boolean } } | undefined;
    if (Array.isArray(body.tools)) return 'tools';
    if (format?.type === 'json_schema') return format.json_schema?.strict === true ? 'json_schema' : 'json_schema_conservative';
    return format?.type ?? 'text';
  });
  from = p.server?.requests.length ?? 0;
  return sent;
}

async function runBatch(quirk: ProviderQuirk, topic: string) {
  p.script(providerScript(quirk, answer));
  const submitted = await p.submit({ topic, count: 3, model: `model-${quirk}` });
  const done = await p.waitFor(submitted.id, ['succeeded', 'failed']);
  const chunk = done.jobs.find((j) => j.kind === 'chunk');
  const calls = await callsOf(getDb().database, chunk?.id ?? -1);
  return { done, chunk, calls, modes: modesSent() };
}

async function capability(quirk: ProviderQuirk): Promise<string | null> {
  const rows = await queryRows(getDb().database.db, sql`select output_mode, expires_at - recorded_at as ttl from model_capabilities where model = ${`model-${quirk}`}`);
  if (rows[0] === undefined) return null;
  expect(String(rows[0].ttl)).toMatch(/^(1 day|24:00:00)$/);
  return String(rows[0].output_mode);
}

describe('every scripted provider gets a batch to succeeded with no configuration', () => {
  it.each([
    // quirk, modes sent in order, mode recorded for every worker, normalisations of the answer
    ['openai', ['json_schema'], null, []],
    ['deepseek', ['json_schema', 'tools', 'json_object'], 'json_object', []],
    ['gemini', ['json_schema', 'json_schema_conservative'], 'json_schema_conservative', []],
    ['anthropic_compat', ['json_schema'], null, ['extract_json']],
    ['tools_only', ['json_schema', 'tools'], 'tools', ['tool_arguments']],
    ['dropping_gateway', ['json_schema'], null, ['extract_json', 'json_repair']],
    ['vllm_llamacpp', ['json_schema'], null, []],
  ] as const)('%s', async (quirk, modes, recorded, kinds) => {
    const { done, chunk, calls, modes: sent } = await runBatch(quirk, `Topic ${quirk}`);
    expect(done.status).toBe('succeeded');
    expect(done.questions).toHaveLength(3);
    expect(sent).toEqual(modes);
    expect(await capability(quirk)).toBe(recorded);
    // Step-downs are recorded, never counted, and retried at once within the same engine attempt.
    expect(chunk?.attempts).toBe(1);
    expect(calls.map((c) => c.counted)).toEqual([...modes.slice(1).map(() => false), true]);
    for (const c of calls.slice(0, -1)) expect(c.error).toMatchObject({ kind: 'output_mode_unsupported' });
    const last = calls[calls.length - 1];
    expect((last?.normalisations as Array<{ kind: string }>).map((x) => x.kind)).toEqual(kinds);
    expect(last?.issues).toEqual([]);
  });

  it('a learnt mode is used at once by the next batch, from any worker', async () => {
    const { done, calls, modes } = await runBatch('deepseek', 'Deepseek again');
    expect(done.status).toBe('succeeded');
    expect(modes).toEqual(['json_object']);
    expect(calls).toHaveLength(1);
    // json_object carries the schema in the prompt, with the word DeepSeek requires.
    const body = p.server?.requests[p.server.requests.length - 1]?.body as { messages: Array<{ role: string; content: string }> };
    expect(body.messages.some((m) => m.role === 'system' && m.content.includes('<output_schema>'))).toBe(true);
  });

  it('an expired capability is ignored and rediscovered', async () => {
    await getDb().database.db.execute(sql`update model_capabilities set expires_at = now() - interval '1 second' where model = 'model-gemini'`);
    // A process reads the record again once its cached read is CAPABILITY_CACHE_MS old.
    await new Promise((resolve) => setTimeout(resolve, CAPABILITY_CACHE_MS + 50));
    const { done, modes } = await runBatch('gemini', 'Gemini later');
    expect(done.status).toBe('succeeded');
    expect(modes).toEqual(['json_schema', 'json_schema_conservative']);
    expect(await capability('gemini')).toBe('json_schema_conservative');
  });
});
