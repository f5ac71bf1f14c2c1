import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useTestDatabase } from '../helpers/db.js';
import { createEngine, type Engine } from '../../src/engine/index.js';
import { SnoozeError } from '../../src/engine/errors.js';
import type { ClaimedJob, HandlerContext } from '../../src/engine/types.js';
import { getEconomyBatch } from '../../src/db/quiz/index.js';
import { createModelClient, type ModelClient } from '../../src/model/client.js';
import { startScriptedBatchServer, type ScriptedBatchServer } from '../../src/model/scripted-batch-server.js';
import { DEFAULT_QUIZ_CONFIG } from '../../src/quiz/config.js';
import { economyTask } from '../../src/quiz/economy.js';
import { loadPrompts } from '../../src/quiz/prompts.js';
import { createQuizService } from '../../src/quiz/service.js';
import { BatchRequestSchema } from '../../schemas/batch-request.js';

const getDb = useTestDatabase();
let server: ScriptedBatchServer;
let client: ModelClient;
let engine: Engine;

beforeAll(async () => {
  server = await startScriptedBatchServer(() => ({ content: '{"questions": []}' }), { pollsBeforeDone: 100 });
  client = createModelClient({ mode: 'live', baseURL: server.url, apiKey: 'sk-test', model: 'scripted-model', timeoutMs: 5_000, fixturesDir: '/nonexistent', outputMode: 'json_schema' });
  engine = createEngine({ database: getDb().database });
});
afterAll(async () => {
  await engine?.close();
  await server?.close();
});

const ctx = (): HandlerContext => ({
  signal: new AbortController().signal,
  parents: [],
  workerId: 'test',
  log: { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined, child: () => ctx().log },
});

describe('two holders of one economy job (a lease lost mid-submit)', () => {
  it('both create a provider batch; the one recorded second is cancelled and both follow the first', async () => {
    const { database } = getDb();
    const service = createQuizService({ engine, database, modelClient: client, config: DEFAULT_QUIZ_CONFIG });
    const { batch } = await service.submit(BatchRequestSchema.parse({ topic: 'Atolls', count: 7, priority: 'economy', verify: 'off' }));
    const id = batch.jobs.find((j) => j.kind === 'economy')?.id ?? -1;
    const job = await engine.getJob(id);
    if (job === null) throw new Error('no economy job');
    const claimed: ClaimedJob = { ...job, attempt: 1, leaseToken: '00000000-0000-4000-8000-000000000001', leaseExpiresAt: new Date(Date.now() + 60_000) };
    const task = economyTask({ db: database.db, client, prompts: loadPrompts(), config: DEFAULT_QUIZ_CONFIG });
    const before = server.batches.length;
    const runs = await Promise.allSettled([task.handler(claimed, ctx()), task.handler(claimed, ctx())]);
    // Neither holder waits in a slot: both snooze until the provider batch is done.
    for (const r of runs) {
      expect(r.status).toBe('rejected');
      if (r.status === 'rejected') expect(r.reason).toBeInstanceOf(SnoozeError);
    }
    const made = server.batches.slice(before);
    const record = await getEconomyBatch(database.db, batch.id);
    const kept = made.find((b) => b.id === record?.providerBatchId);
    expect(kept?.status).toBe('in_progress');
    // Two creates happened at most; every batch but the recorded one was cancelled at once.
    expect(made.length).toBeGreaterThanOrEqual(1);
    expect(made.filter((b) => b.id !== kept?.id).every((b) => b.status === 'cancelled')).toBe(true);
    expect(record).toMatchObject({ requests: 2, mode: null });
  });
});

describe('cancelling an economy batch', () => {
  it('cancels its waiting provider batch too, and the view shows it', async () => {
    const { database } = getDb();
    const service = createQuizService({ engine, database, modelClient: client, config: DEFAULT_QUIZ_CONFIG });
    const { batch } = await service.submit(BatchRequestSchema.parse({ topic: 'Skerries', count: 2, priority: 'economy', verify: 'off' }));
    const job = await engine.getJob(batch.jobs.find((j) => j.kind === 'economy')?.id ?? -1);
    if (job === null) throw new Error('no economy job');
    const task = economyTask({ db: database.db, client, prompts: loadPrompts(), config: DEFAULT_QUIZ_CONFIG });
    const claimed: ClaimedJob = { ...job, attempt: 1, leaseToken: '00000000-0000-4000-8000-000000000002', leaseExpiresAt: new Date(Date.now() + 60_000) };
    await expect(task.handler(claimed, ctx())).rejects.toBeInstanceOf(SnoozeError);
    const provider = server.batches.at(-1);
    expect(provider?.status).toBe('in_progress');
    const cancelled = await service.cancel(batch.id);
    expect(cancelled?.status).toBe('cancelled');
    expect(provider?.status).toBe('cancelled');
    expect(cancelled?.economy).toMatchObject({ mode: 'pending', providerBatchId: provider?.id, providerStatus: 'cancelled' });
  });
});
