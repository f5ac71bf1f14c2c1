import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useTestDatabase } from '../../helpers/db.js';
import { resolveFixturesDir } from '../../../src/model/config.js';
import { loadCassettes } from '../../../src/model/cassettes.js';
import { DEMO_BATCHES } from '../../../src/quiz/demo-scenarios.js';
import { pipelineVersions } from '../../../src/quiz/messages.js';
import { loadPrompts } from '../../../src/quiz/prompts.js';
import { callsOf, singles, startReplayPipeline, type Pipeline } from './harness.js';

const getDb = useTestDatabase();
let p: Pipeline;

beforeAll(async () => {
  p = await startReplayPipeline(getDb().database);
});
afterAll(async () => {
  if (p !== undefined) await p.stop();
});

describe('the shipped demo fixtures, replayed end to end through the worker', () => {
  it('are all current for today’s prompts and schema', async () => {
    const { cassettes, problems } = await loadCassettes(resolveFixturesDir({}));
    expect(problems).toEqual([]);
    expect(cassettes.length).toBeGreaterThanOrEqual(9);
    const versions = pipelineVersions(loadPrompts());
    for (const c of cassettes) expect((c.meta as { versions: unknown }).versions).toEqual(versions);
  });

  it('first-try success over two chunks', async () => {
    const batch = await p.submit(DEMO_BATCHES.success.request);
    const done = await p.waitFor(batch.id, ['succeeded', 'failed']);
    expect(done.status).toBe('succeeded');
    expect(done.questions).toHaveLength(8);
    // One generate and one verify call per chunk; assemble re-verifies nothing.
    expect(done.usage.modelCalls).toBe(4);
    const kinds = await Promise.all(done.jobs.map(async (j) => (await callsOf(getDb().database, j.id)).map((c) => c.kind)));
    expect(kinds.flat().sort()).toEqual(['generate', 'generate', 'verify', 'verify']);
    expect(done.questions?.map((q) => q.quality?.verified)).toEqual(new Array(8).fill(true));
    expect(done.quality).toMatchObject({ verified: 8, total: 8, repairs: 0, verification: { calls: 2 } });
    const positions = new Set(singles(done.questions).map((q) => q.correctAnswer));
    expect(positions.size).toBe(4);
  });

  it('a repair that succeeds', async () => {
    const batch = await p.submit(DEMO_BATCHES.repair.request);
    const done = await p.waitFor(batch.id, ['succeeded', 'failed']);
    expect(done.status).toBe('succeeded');
    expect(done.usage.modelCalls).toBe(3);
    expect(done.questions?.map((q) => q.question)).toContain('Which planet has the most extensive and visible ring system?');
  });

  it('a refusal', async () => {
    const batch = await p.submit(DEMO_BATCHES.refusal.request);
    const done = await p.waitFor(batch.id, ['failed']);
    const dead = done.jobs.find((j) => j.state === 'dead');
    expect((await p.service.dlqGet(dead?.id ?? -1))?.reason).toBe('refusal');
  });

  it('a chunk that exhausts its attempts, and the DLQ replay that then succeeds', async () => {
    const batch = await p.submit(DEMO_BATCHES.exhausted.request);
    const failed = await p.waitFor(batch.id, ['failed']);
    const dead = failed.jobs.find((j) => j.state === 'dead');
    const entry = await p.service.dlqGet(dead?.id ?? -1);
    expect(entry?.reason).toBe('validation');
    expect(entry?.attempts.map((a) => a.issues[0]?.code)).toEqual(['answer_leak', 'option_duplicate', 'meta_option']);
    await p.service.dlqReplay(dead?.id ?? -1);
    const done = await p.waitFor(batch.id, ['succeeded', 'failed']);
    expect(done.status).toBe('succeeded');
    expect(done.questions).toHaveLength(3);
  });

  it('a wrong key: the verifier disputes it, the targeted repair fixes it, and the fix is verified', async () => {
    const batch = await p.submit(DEMO_BATCHES.wrongKey.request);
    const done = await p.waitFor(batch.id, ['succeeded', 'failed']);
    expect(done.status).toBe('succeeded');
    const chunk = done.jobs.find((j) => j.kind === 'chunk');
    const calls = await callsOf(getDb().database, chunk?.id ?? -1);
    expect(calls.map((c) => [c.kind, c.counted])).toEqual([['generate', true], ['verify', false], ['repair', true], ['verify', false]]);
    expect(calls[1]?.model).toBe('gpt-4o-mini');
    expect(calls[1]?.issues).toMatchObject([{ path: 'questions[1].correctAnswer', code: 'answer_disputed' }]);
    expect(JSON.stringify(calls[1]?.issues)).toContain('Nitrogen');
    // The verifier saw no key, no explanation; the repair was asked for the disputed position only.
    expect(JSON.stringify(calls[1]?.messages)).not.toContain('correctAnswer');
    expect(JSON.stringify(calls[2]?.messages)).toContain('answer_disputed');
    expect(JSON.stringify(calls[2]?.messages)).toMatch(/must be regenerated: questions\[1\]\./);
    expect(calls[3]?.issues).toEqual([]);
    const gas = singles(done.questions).find((q) => q.question.includes('atmosphere'));
    expect(gas?.options[gas.correctAnswer]).toBe('Nitrogen');
    expect(done.quality).toMatchObject({ verified: 3, total: 3, repairs: 1, verification: { calls: 2 } });
  });

  it('an unrecorded request dead-letters as provider with a message naming the key and closest cassette', async () => {
    const batch = await p.submit({ topic: 'Not recorded anywhere', count: 2 });
    const failed = await p.waitFor(batch.id, ['failed']);
    const dead = failed.jobs.find((j) => j.state === 'dead');
    const entry = await p.service.dlqGet(dead?.id ?? -1);
    expect(entry?.reason).toBe('provider');
    expect(entry?.lastError?.message).toMatch(/No recorded fixture .*key [0-9a-f]{20}.*Closest recorded/s);
  });
});

describe('priority "economy" under the recorded fixtures (CI)', () => {
  it('falls back to the replayed live calls, says why, and the batch succeeds as a standard one would', async () => {
    const batch = await p.submit({ ...DEMO_BATCHES.success.request, priority: 'economy' });
    const done = await p.waitFor(batch.id, ['succeeded', 'failed']);
    expect(done.status).toBe('succeeded');
    expect(done.questions).toHaveLength(8);
    expect(done.economy).toMatchObject({ mode: 'live-fallback', providerBatchId: null, answered: 0 });
    expect(done.economy?.reason).toMatch(/^the model runs from recorded fixtures \(replay mode\), which hold no Batch API exchanges/);
    const economy = done.jobs.find((j) => j.kind === 'economy');
    expect(economy?.state).toBe('succeeded');
    // The economy job itself sent nothing; the chunks' calls are the replayed live ones.
    expect(await callsOf(getDb().database, economy?.id ?? -1)).toEqual([]);
    const chunks = done.jobs.filter((j) => j.kind === 'chunk');
    const vias = (await Promise.all(chunks.map((c) => callsOf(getDb().database, c.id)))).flat().map((c) => c.via);
    expect(vias.length).toBeGreaterThan(0);
    expect(vias.every((v) => v === null)).toBe(true);
  });
});
