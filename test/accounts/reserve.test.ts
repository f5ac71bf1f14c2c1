import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { setTenantBudget, tenantUsage } from '../../src/accounts/budgets.js';
import { getBatchSpend, getTenantSpend } from '../../src/db/accounts/spend.js';
import { NOT_ANSWERED, finishModelCall, insertSubmittedBatch, listModelCalls, startModelCall, type CallReservation } from '../../src/db/quiz/index.js';
import { useTestDatabase } from '../helpers/db.js';

const getDb = useTestDatabase();
let nextJob = 500_000;

async function batchWith(limits: { maxTokens: number | null; maxUsd: number | null }): Promise<string> {
  const db = getDb().database.db;
  const id = randomUUID();
  const { batch } = await insertSubmittedBatch(db, { id, tenantId: 'default', request: {}, requestHash: id, idempotencyKey: null, limits });
  expect(batch?.id).toBe(id);
  return id;
}

function start(batchId: string | null, reserve: CallReservation, jobId = nextJob++) {
  const call = { jobId, batchId, jobAttempt: 1, epoch: 0, kind: 'generate', model: 'm', promptVersion: 'v', messages: [] };
  return startModelCall(getDb().database.db, call, 'uncounted', reserve);
}

function started(s: Awaited<ReturnType<typeof start>>): number {
  if (s.kind !== 'started') throw new Error(`refused by ${s.by}`);
  return s.record.id;
}

describe('budget reservations', () => {
  it("hold a call's worst case against its tenant until it finishes, then count what it really used", async () => {
    const db = getDb().database.db;
    await setTenantBudget(db, 't-settle', { usd: 0.01, per: 'day' });
    const a = started(await start(null, { tenant: 't-settle', tokens: 100, usd: 0.004 }));
    started(await start(null, { tenant: 't-settle', tokens: 100, usd: 0.004 }));
    // 0.004 + 0.004 + 0.004 > 0.01: a third call is not sent.
    expect(await start(null, { tenant: 't-settle', tokens: 100, usd: 0.004 })).toEqual({ kind: 'refused', by: 'tenant' });
    await finishModelCall(db, a, { ...NOT_ANSWERED, promptTokens: 30, completionTokens: 10, costUsd: 0.001 });
    // Settled once: a repeat finish changes nothing.
    await finishModelCall(db, a, { ...NOT_ANSWERED, promptTokens: 30, completionTokens: 10, costUsd: 0.001 });
    expect(await getTenantSpend(db, 't-settle')).toMatchObject({ spentUsd: 0.001, reservedUsd: 0.004, spentTokens: 40, reservedTokens: 100, calls: 1 });
    // 0.001 spent + 0.004 reserved + 0.004 fits in 0.01 now.
    expect((await start(null, { tenant: 't-settle', tokens: 100, usd: 0.004 })).kind).toBe('started');
    const usage = await tenantUsage(db, 't-settle');
    expect(usage).toMatchObject({ budget: { usd: 0.01, per: 'day' }, spentUsd: 0.001, reservedUsd: 0.008, remainingUsd: expect.closeTo(0.001, 9) });
    expect(new Date(usage.period.end).getTime() - new Date(usage.period.start).getTime()).toBe(86_400_000);
  });

  it("refuse a call over its batch's token budget and give back what it reserved from the tenant", async () => {
    const db = getDb().database.db;
    const batch = await batchWith({ maxTokens: 100, maxUsd: null });
    started(await start(batch, { tenant: 't-batch', tokens: 60, usd: null }));
    expect(await start(batch, { tenant: 't-batch', tokens: 60, usd: null })).toEqual({ kind: 'refused', by: 'batch' });
    expect(await getBatchSpend(db, batch)).toMatchObject({ maxTokens: 100, reservedTokens: 60, spentTokens: 0 });
    expect(await getTenantSpend(db, 't-batch')).toMatchObject({ reservedTokens: 60 });
  });

  it('never let a model without a price pass a dollar budget', async () => {
    const db = getDb().database.db;
    await setTenantBudget(db, 't-unpriced', { usd: 100, per: 'month' });
    expect(await start(null, { tenant: 't-unpriced', tokens: 10, usd: null })).toEqual({ kind: 'refused', by: 'tenant' });
    const batch = await batchWith({ maxTokens: null, maxUsd: 5 });
    expect(await start(batch, { tenant: 't-free', tokens: 10, usd: null })).toEqual({ kind: 'refused', by: 'batch' });
    // Without dollar limits an unpriced call goes through; its cost stays unknown.
    const id = started(await start(null, { tenant: 't-free', tokens: 10, usd: null }));
    await finishModelCall(db, id, { ...NOT_ANSWERED, promptTokens: 5, completionTokens: 5, costUsd: null });
    expect(await tenantUsage(db, 't-free')).toMatchObject({ costUsd: null, unpricedCalls: 1, tokens: { spent: 10, reserved: 0 } });
  });

  it('admit exactly as many concurrent calls as the budget holds, across connection pools', async () => {
    const t = getDb();
    const other = await t.open();
    await setTenantBudget(t.database.db, 't-race', { usd: 1, per: 'day' });
    const race = Array.from({ length: 40 }, (_, i) => {
      const call = { jobId: nextJob++, batchId: null, jobAttempt: 1, epoch: 0, kind: 'generate', model: 'm', promptVersion: 'v', messages: [] };
      return startModelCall(i % 2 === 0 ? t.database.db : other.db, call, 'uncounted', { tenant: 't-race', tokens: 1, usd: 0.1 });
    });
    const outcomes = await Promise.all(race);
    expect(outcomes.filter((o) => o.kind === 'started')).toHaveLength(10);
    expect(outcomes.filter((o) => o.kind === 'refused')).toHaveLength(30);
    expect((await getTenantSpend(t.database.db, 't-race')).reservedUsd).toBeCloseTo(1, 9);
  });

  it('charge a call its worker never finished its worst case once a later attempt of its job calls, and only once', async () => {
    const db = getDb().database.db;
    const jobId = nextJob++;
    const call = (jobAttempt: number) => ({ jobId, batchId: null, jobAttempt, epoch: 0, kind: 'generate', model: 'm', promptVersion: 'v', messages: [] });
    const lost = await startModelCall(db, call(1), 'uncounted', { tenant: 't-stale', tokens: 100, usd: 0.002 });
    // The job's next attempt (its lease was lost): the first call is presumed billed, in full.
    started(await startModelCall(db, call(2), 'uncounted', { tenant: 't-stale', tokens: 50, usd: 0.001 }));
    expect(await getTenantSpend(db, 't-stale')).toMatchObject({ spentTokens: 100, spentUsd: 0.002, reservedTokens: 50, reservedUsd: 0.001 });
    // The old holder answers after all: its outcome is recorded, the budget is not charged twice.
    await finishModelCall(db, started(lost), { ...NOT_ANSWERED, promptTokens: 10, completionTokens: 10, costUsd: 0.0001 });
    expect(await getTenantSpend(db, 't-stale')).toMatchObject({ spentTokens: 100, spentUsd: 0.002, reservedTokens: 50 });
    const rows = await listModelCalls(db, jobId);
    expect(rows[0]).toMatchObject({ promptTokens: 10, costUsd: 0.0001 });
    expect(rows[0]?.finishedAt).not.toBeNull();
  });

  it('take effect when the budget changes, and none means unlimited', async () => {
    const db = getDb().database.db;
    await setTenantBudget(db, 't-change', { usd: 0.001, per: 'month' });
    expect((await start(null, { tenant: 't-change', tokens: 1, usd: 0.01 })).kind).toBe('refused');
    await setTenantBudget(db, 't-change', null);
    expect((await start(null, { tenant: 't-change', tokens: 1, usd: 0.01 })).kind).toBe('started');
    await expect(setTenantBudget(db, 't-change', { usd: -1, per: 'day' })).rejects.toThrow(RangeError);
  });
});
