import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setTenantBudget } from '../../src/accounts/budgets.js';
import { DEFAULT_TENANT } from '../../src/accounts/tenants.js';
import { BatchViewSchema, TenantUsageSchema } from '../../schemas/api.js';
import { useTestDatabase } from '../helpers/db.js';
import { ADMIN_KEY, API_KEY, bearer, buildApp, errorOf, json, startQuizStack, type Built, type QuizStack } from './harness.js';

const db = useTestDatabase();
let stack: QuizStack;
let api: Built;
const user = bearer(API_KEY);

beforeAll(async () => {
  stack = await startQuizStack(db().database, { worker: false });
  api = buildApp({ database: db().database, quiz: stack.service, events: stack.engine.events });
});
afterAll(async () => {
  await api?.app.hub.close();
  await stack?.stop();
});

const submit = (body: unknown) => api.request('/v1/batches', json(body, user));

describe('GET /v1/usage', () => {
  it("answers the caller's tenant: period, budget, spent, reserved, tokens", async () => {
    await setTenantBudget(db().database.db, DEFAULT_TENANT, { usd: 5, per: 'month' });
    const res = await api.request('/v1/usage', { headers: user });
    expect(res.status).toBe(200);
    const body = TenantUsageSchema.parse(await res.json());
    expect(body).toMatchObject({ tenant: 'default', budget: { usd: 5, per: 'month' }, spentUsd: 0, reservedUsd: 0, remainingUsd: 5, period: { per: 'month' } });
    expect((await api.request('/v1/usage')).status).toBe(401);
    expect((await api.request('/v1/usage', { method: 'POST', headers: user })).status).toBe(405);
    await setTenantBudget(db().database.db, DEFAULT_TENANT, null);
  });
});

describe('budgets on submit', () => {
  it('a batch carries its limits in the view', async () => {
    const res = await submit({ topic: 'Limits shown', count: 1, maxTokens: 5000, maxCostUsd: 0.5, model: 'gpt-4o-mini' });
    expect(res.status).toBe(202);
    const view = BatchViewSchema.parse(await res.json());
    expect(view.budget).toEqual({ maxTokens: 5000, maxCostUsd: 0.5, spentTokens: 0, spentUsd: 0, reservedTokens: 0, reservedUsd: 0 });
    expect(view.usage).toMatchObject({ costUsd: 0, cachedShare: null, modelCalls: 0 });
  });

  it('malformed limits are 422 naming the field', async () => {
    for (const [field, value] of [['maxTokens', 0], ['maxTokens', 1.5], ['maxCostUsd', -1], ['maxCostUsd', 'ten']] as const) {
      const res = await submit({ topic: 'Bad limit', count: 1, [field]: value });
      expect(res.status).toBe(422);
      expect((await errorOf(res)).issues?.map((i) => i.path)).toContain(field);
    }
  });

  it('a dollar limit over a model without a price is 422 naming maxCostUsd', async () => {
    const res = await submit({ topic: 'Unpriced', count: 1, maxCostUsd: 1 });
    expect(res.status).toBe(422);
    const err = await errorOf(res);
    expect(err.issues?.[0]).toMatchObject({ path: 'maxCostUsd', message: expect.stringMatching(/scripted-model" has no known price/) });
  });

  it('a tenant whose budget is spent gets 402 budget_exhausted, and nothing is stored', async () => {
    const body = { topic: 'Submitted in time', count: 1, model: 'gpt-4o-mini' };
    const first = await api.request('/v1/batches', json(body, { ...user, 'idempotency-key': 'budget-repeat' }));
    expect(first.status).toBe(202);
    await setTenantBudget(db().database.db, DEFAULT_TENANT, { usd: 0, per: 'day' });
    // An idempotent repeat of a stored submit still answers its batch.
    const again = await api.request('/v1/batches', json(body, { ...user, 'idempotency-key': 'budget-repeat' }));
    expect(again.status).toBe(200);
    const before = (await stack.service.list({ limit: 100 })).items.length;
    const res = await submit({ topic: 'No money', count: 1, model: 'gpt-4o-mini' });
    expect(res.status).toBe(402);
    const err = await errorOf(res);
    expect(err.code).toBe('budget_exhausted');
    expect(err.message).toMatch(/tenant "default" has spent its budget of \$0 per day/);
    expect((await stack.service.list({ limit: 100 })).items.length).toBe(before);
    await setTenantBudget(db().database.db, DEFAULT_TENANT, null);
  });

  it('a replay with a malformed budget is 422 naming the field', async () => {
    const res = await api.request('/v1/dlq/1/replay', json({ maxTokens: 0 }, bearer(ADMIN_KEY)));
    expect(res.status).toBe(422);
    expect((await errorOf(res)).issues?.map((i) => i.path)).toContain('maxTokens');
  });
});
