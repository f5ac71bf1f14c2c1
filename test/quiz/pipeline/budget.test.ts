import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { BudgetExhaustedError, UnpricedBudgetError } from '../../../src/accounts/budget-errors.js';
import { setTenantBudget, tenantUsage } from '../../../src/accounts/budgets.js';
import { DEFAULT_TENANT } from '../../../src/accounts/tenants.js';
import { createPriceTable } from '../../../src/accounts/prices.js';
import type { ScriptFn } from '../../../src/model/scripted-server.js';
import { answerText, demoQuestion, readAsk } from '../../../src/quiz/demo-model.js';
import { BatchRequestSchema } from '../../../schemas/batch-request.js';
import { useTestDatabase } from '../../helpers/db.js';
import { startPipeline, type Pipeline } from './harness.js';

const getDb = useTestDatabase();
let p: Pipeline;
let sent = 0;

// `scripted-model` at $1 per M prompt tokens, $0.50 per M cached, $2 per M completion tokens.
const prices = createPriceTable({ models: { 'scripted-model': { input_mtok: 1, output_mtok: 2, cache_read_mtok: 0.5 } } });

const good: ScriptFn = ({ body, n }) => {
  sent += 1;
  const ask = readAsk(body);
  const qs = Array.from({ length: ask.count }, (_, i) => demoQuestion(ask.topic, n * 100 + i, ask.options));
  return { content: answerText(qs), usage: { promptTokens: 1000, completionTokens: 100 * ask.count, cachedTokens: 400, reasoningTokens: 50 } };
};

beforeAll(async () => {
  p = await startPipeline(getDb().database, { quiz: { prices } });
});
afterAll(async () => {
  if (p !== undefined) await p.stop();
});
beforeEach(async () => {
  sent = 0;
  p.script(good);
  await setTenantBudget(getDb().database.db, DEFAULT_TENANT, null);
});

describe('cost', () => {
  it('is computed per call from the price table and summed per batch, with cached and reasoning tokens', async () => {
    const batch = await p.submit({ topic: 'Priced calls', count: 7 });
    const done = await p.waitFor(batch.id, ['succeeded', 'failed']);
    expect(done.status).toBe('succeeded');
    // Two chunks (5 and 2 questions): 2000 prompt (800 cached), 700 completion.
    const cost = (1200 * 1 + 800 * 0.5 + 700 * 2) / 1e6;
    expect(done.usage).toMatchObject({ promptTokens: 2000, cachedTokens: 800, cachedShare: 0.4, reasoningTokens: 100, completionTokens: 700, unpricedCalls: 0 });
    expect(done.usage.costUsd).toBeCloseTo(cost, 12);
    expect(done.budget).toMatchObject({ maxTokens: null, maxCostUsd: null, spentTokens: 2700, reservedTokens: 0 });
    expect(done.budget?.spentUsd).toBeCloseTo(cost, 9);
    // Per job: the chunks' calls (the assemble made none).
    expect(done.jobs.reduce((n, j) => n + (j.usage?.costUsd ?? 0), 0)).toBeCloseTo(cost, 12);
    expect(done.jobs.filter((j) => j.kind === 'chunk').every((j) => (j.usage?.costUsd ?? 0) > 0)).toBe(true);
    const metrics = await p.registry.metrics();
    expect(metrics).toMatch(/quizforge_model_cost_usd_total\{tenant="default",model="scripted-model"\} [0-9.e-]+/);
    expect(metrics).toMatch(/quizforge_model_tokens_total\{type="cached"\} 800/);
  });

  it('is in the DLQ transcript, per call and summed for the job', async () => {
    p.script(() => ({ content: '{"questions": "nope"}', usage: { promptTokens: 1000, completionTokens: 50 } }));
    const batch = await p.submit({ topic: 'Priced failure', count: 1, maxAttempts: 2 });
    const done = await p.waitFor(batch.id, ['failed']);
    const entry = await p.service.dlqGet(done.jobs.find((j) => j.kind === 'chunk')?.id ?? -1);
    expect(entry?.reason).toBe('validation');
    expect(entry?.attempts.map((a) => a.usage.costUsd)).toEqual([expect.closeTo(0.0011, 12), expect.closeTo(0.0011, 12)]);
    expect(entry?.usage).toMatchObject({ modelCalls: 2, promptTokens: 2000, costUsd: expect.closeTo(0.0022, 12) });
  });
});

describe('a batch budget', () => {
  it('dead-letters the chunk with reason budget before a call it cannot cover is sent; a replay may raise it', async () => {
    const batch = await p.submit({ topic: 'Tight tokens', count: 3, maxTokens: 500 });
    const done = await p.waitFor(batch.id, ['succeeded', 'failed']);
    expect(done.status).toBe('failed');
    expect(sent).toBe(0);
    const chunk = done.jobs.find((j) => j.kind === 'chunk');
    const entry = await p.service.dlqGet(chunk?.id ?? -1);
    expect(entry?.reason).toBe('budget');
    expect(entry?.lastError?.message).toMatch(/batch's budget \(maxTokens \/ maxCostUsd\) cannot cover another call/);
    expect(entry?.attempts).toHaveLength(0);
    await p.service.dlqReplay(chunk?.id ?? -1, { maxTokens: 1_000_000 });
    const after = await p.waitFor(batch.id, ['succeeded', 'failed']);
    expect(after.status).toBe('succeeded');
    expect(after.budget).toMatchObject({ maxTokens: 1_000_000, spentTokens: 1300, reservedTokens: 0 });
    expect(sent).toBe(1);
  });

  it('in dollars stops the batch once its spend leaves no room for the next worst case', async () => {
    // A 5-question call reserves about $0.0047 (its prompt estimate + 1950 completion tokens) and
    // spends $0.0018: $0.006 covers one chunk's call, never a second one.
    const batch = await p.submit({ topic: 'Tight dollars', count: 10, maxCostUsd: 0.006 });
    const failed = await p.waitFor(batch.id, ['succeeded', 'failed']);
    expect(failed.status).toBe('failed');
    // The batch reads failed with its first dead chunk; the chunk holding the reservation may
    // still be finishing its call. Read it once no chunk is in flight.
    const settled = (v: typeof failed) => v.jobs.every((j) => j.kind !== 'chunk' || j.state === 'succeeded' || j.state === 'dead');
    await expect.poll(async () => settled((await p.service.get(batch.id)) ?? failed), { timeout: 10_000 }).toBe(true);
    const done = (await p.service.get(batch.id)) ?? failed;
    expect(done.budget?.spentUsd ?? Infinity).toBeLessThanOrEqual(0.006);
    expect(done.jobs.filter((j) => j.kind === 'chunk' && j.state === 'succeeded')).toHaveLength(1);
    const dead = done.jobs.filter((j) => j.state === 'dead');
    expect(dead.length).toBeGreaterThan(0);
    for (const j of dead) {
      const entry = await p.service.dlqGet(j.id);
      expect(entry?.reason).toBe('budget');
      // Refused before it was sent: the dead chunk made no call.
      expect(entry?.attempts).toHaveLength(0);
    }
  });

  it('in dollars is refused at submit for a model without a price, naming maxCostUsd', async () => {
    const request = BatchRequestSchema.parse({ topic: 'Unpriced', count: 1, model: 'nobody-prices-this', maxCostUsd: 1, verify: 'off' });
    const err = await p.service.submit(request).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnpricedBudgetError);
    expect((err as UnpricedBudgetError).field).toBe('maxCostUsd');
  });
});

describe('a tenant budget', () => {
  it('refuses a submit once spent, and makes running jobs dead-letter with reason budget', async () => {
    const db = getDb().database.db;
    await setTenantBudget(db, DEFAULT_TENANT, { usd: 0.0001, per: 'day' });
    const batch = await p.submit({ topic: 'Tenant over budget', count: 2 });
    const done = await p.waitFor(batch.id, ['succeeded', 'failed']);
    expect(done.status).toBe('failed');
    expect(sent).toBe(0);
    const chunk = done.jobs.find((j) => j.kind === 'chunk');
    expect((await p.service.dlqGet(chunk?.id ?? -1))?.lastError?.message).toMatch(/tenant "default" has no budget left this period/);

    const usage = await tenantUsage(db, DEFAULT_TENANT);
    await setTenantBudget(db, DEFAULT_TENANT, { usd: usage.spentUsd + usage.reservedUsd, per: 'day' });
    const err = await p.submit({ topic: 'Tenant over budget', count: 2 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BudgetExhaustedError);
  });

  it('refuses a submit with a model without a price, naming model', async () => {
    await setTenantBudget(getDb().database.db, DEFAULT_TENANT, { usd: 10, per: 'month' });
    const request = BatchRequestSchema.parse({ topic: 'Unpriced', count: 1, model: 'nobody-prices-this', verify: 'off' });
    const err = await p.service.submit(request).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnpricedBudgetError);
    expect((err as UnpricedBudgetError).field).toBe('model');
  });
});
