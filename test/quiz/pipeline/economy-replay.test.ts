import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useTestDatabase } from '../../helpers/db.js';
import { DEMO_BATCHES } from '../../../src/quiz/demo-scenarios.js';
import { callsOf, startReplayPipeline, type Pipeline } from './harness.js';

const getDb = useTestDatabase();
let p: Pipeline;

beforeAll(async () => {
  p = await startReplayPipeline(getDb().database);
});
afterAll(async () => {
  if (p !== undefined) await p.stop();
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
