import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BatchViewSchema } from '../../schemas/api.js';
import { startServer } from '../../src/http/server.js';
import { createLogger } from '../../src/log.js';
import { runCli } from '../helpers/cli.js';
import { useTestDatabase } from '../helpers/db.js';
import { API_KEY, answerAll, leftovers, bearer, buildApp, errorOf, json, startQuizStack, type Built, type QuizStack } from './harness.js';

const db = useTestDatabase();
let stack: QuizStack;
let api: Built;
const user = bearer(API_KEY);
const SLOW_MS = 6_000;

/** "Slow" topics hang in the model for SLOW_MS (unless the client aborts); the rest answer at once. */
beforeAll(async () => {
  stack = await startQuizStack(db().database);
  stack.script((req) => (JSON.stringify(req.body.messages).includes('Slow') ? { ...answerAll(req), delayMs: SLOW_MS } : answerAll(req)));
  api = buildApp({ database: db().database, quiz: stack.service, events: stack.engine.events });
});
afterAll(async () => {
  await api?.app.hub.close();
  await stack?.stop();
});

const submit = async (body: unknown) => BatchViewSchema.parse(await (await api.request('/v1/batches', json(body, user))).json());
const cancel = (id: string, headers: Record<string, string> = user) => api.request(`/v1/batches/${id}/cancel`, { method: 'POST', headers });
const del = (id: string, headers: Record<string, string> = user) => api.request(`/v1/batches/${id}`, { method: 'DELETE', headers });
const chatCalls = () => stack.model.requests.filter((r) => r.path.endsWith('/chat/completions')).length;
async function until(check: () => boolean | Promise<boolean>, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('POST /v1/batches/:id/cancel', () => {
  it('aborts in-flight model calls, makes no further call, reads cancelled, journals batch.cancelled once; a repeat answers the same', async () => {
    const before = chatCalls();
    const batch = await submit({ topic: 'Slow cancel', count: 10 }); // two chunks, both in flight (concurrency 2)
    await until(() => chatCalls() - before === 2, 10_000);
    await until(() => stack.worker.held === 2, 5_000);

    const t0 = Date.now();
    const res = await cancel(batch.id);
    expect(res.status).toBe(200);
    const cancelled = BatchViewSchema.parse(await res.json());
    expect(cancelled.status).toBe('cancelled');
    expect(cancelled.questions).toBeNull();
    expect(cancelled.jobs.map((j) => j.state)).toEqual(['cancelled', 'cancelled', 'cancelled']);

    // The handlers' signals were aborted: the worker lets go well before the model would answer.
    await until(() => stack.worker.held === 0, SLOW_MS / 2);
    expect(Date.now() - t0).toBeLessThan(SLOW_MS / 2);
    await new Promise((r) => setTimeout(r, 500));
    expect(chatCalls() - before).toBe(2); // no retry, no assemble

    const again = await cancel(batch.id);
    expect(again.status).toBe(200);
    const repeat = BatchViewSchema.parse(await again.json());
    // The same, except that the aborted calls' reservations are now charged as spent (the provider
    // may bill a call cut off mid-way): the batch holds nothing reserved any more.
    expect({ ...repeat, updatedAt: null, budget: null }).toEqual({ ...cancelled, updatedAt: null, budget: null });
    expect(repeat.budget?.reservedTokens).toBe(0);
    expect(repeat.budget?.spentTokens).toBe((cancelled.budget?.spentTokens ?? 0) + (cancelled.budget?.reservedTokens ?? 0));
    expect(repeat.budget?.spentTokens).toBeGreaterThan(0);
    expect(repeat.updatedAt).toBe(cancelled.updatedAt);

    const events = await stack.engine.events.readAfter(0, { groupId: batch.id });
    expect(events.filter((e) => e.type === 'batch.cancelled')).toHaveLength(1);
    expect(events.filter((e) => e.type === 'job.cancelled')).toHaveLength(3);
    const read = BatchViewSchema.parse(await (await api.request(`/v1/batches/${batch.id}`, { headers: user })).json());
    expect(read.status).toBe('cancelled');
  });

  it('a cancelled batch keeps what it spent (its model calls stay recorded)', async () => {
    const batch = await submit({ topic: 'Kept transcript', count: 10 });
    // The first chunk's call lands; then cancel whatever is left.
    await until(async () => ((await stack.service.get(batch.id))?.usage.modelCalls ?? 0) >= 1, 10_000);
    const res = await cancel(batch.id);
    if (res.status === 409) return; // the whole batch won the race and succeeded: nothing to cancel
    expect(res.status, await res.clone().text()).toBe(200);
    const view = BatchViewSchema.parse(await res.json());
    expect(view.status).toBe('cancelled');
    expect(view.usage.modelCalls).toBeGreaterThanOrEqual(1);
  });

  it('a succeeded batch is 409, an unknown one 404, no key 401', async () => {
    const batch = await submit({ topic: 'Finishes', count: 2 });
    await until(async () => (await stack.service.get(batch.id))?.status === 'succeeded', 10_000);
    const res = await cancel(batch.id);
    expect(res.status).toBe(409);
    expect((await errorOf(res)).code).toBe('conflict');
    expect((await stack.service.get(batch.id))?.status).toBe('succeeded');
    expect((await cancel('no-such-batch')).status).toBe(404);
    expect((await cancel(batch.id, {})).status).toBe(401);
    expect((await api.request(`/v1/batches/${batch.id}/cancel`, { headers: user })).status).toBe(405);
  });
});

describe('quizforge cancel ID', () => {
  it('cancels over the API, says so, and exits 1 for an unknown batch; 2 without an ID', async () => {
    const server = await startServer({ app: api.app, logger: createLogger({ level: 'silent' }), host: '127.0.0.1', port: 0 });
    try {
      const env = { QUIZFORGE_URL: server.url, QUIZFORGE_API_KEY: API_KEY };
      const batch = await submit({ topic: 'Slow CLI cancel', count: 5 });
      const ran = await runCli(['cancel', batch.id], env);
      expect(ran.stderr).toBe('');
      expect(ran.code).toBe(0);
      expect(ran.stdout).toMatch(new RegExp(`batch ${batch.id} cancelled \\(2 jobs\\)`));
      expect((await stack.service.get(batch.id))?.status).toBe('cancelled');
      expect((await runCli(['cancel', batch.id], env)).code).toBe(0);
      const unknown = await runCli(['cancel', 'nope'], env);
      expect(unknown.code).toBe(1);
      expect(unknown.stderr).toMatch(/not found/);
      expect((await runCli(['cancel'], env)).code).toBe(2);
    } finally {
      await server.close();
    }
  });
});

describe('DELETE /v1/batches/:id', () => {
  it('removes a finished batch and everything derived from it, leaves other batches alone; then 404', async () => {
    const keep = await submit({ topic: 'Kept batch', count: 2 });
    const gone = await submit({ topic: 'Deleted batch', count: 10 });
    for (const b of [keep, gone]) await until(async () => (await stack.service.get(b.id))?.status === 'succeeded', 15_000);
    const before = await leftovers(db().database, gone.id);
    expect(before.batches).toBe(1);
    expect(before.jobs).toBe(3);
    expect(before.deps).toBe(2);
    expect(before.events).toBeGreaterThan(0);
    expect(before.calls).toBeGreaterThan(0);
    expect(before.questions).toBe(10);
    const kept = await leftovers(db().database, keep.id);

    expect((await del(gone.id, {})).status).toBe(401);
    const res = await del(gone.id);
    expect(res.status).toBe(204);
    expect(await leftovers(db().database, gone.id)).toEqual({ batches: 0, jobs: 0, deps: 0, events: 0, calls: 0, questions: 0 });
    expect(await leftovers(db().database, keep.id)).toEqual(kept);
    expect((await api.request(`/v1/batches/${gone.id}`, { headers: user })).status).toBe(404);
    const again = await del(gone.id);
    expect(again.status).toBe(404);
    expect((await errorOf(again)).code).toBe('not_found');
  });

  it('refuses with 409 while jobs are unfinished, deletes once cancelled', async () => {
    const batch = await submit({ topic: 'Slow delete', count: 5 });
    const res = await del(batch.id);
    expect(res.status).toBe(409);
    expect((await errorOf(res)).message).toMatch(/cancel it first/);
    expect((await leftovers(db().database, batch.id)).jobs).toBe(2);
    expect((await api.request(`/v1/batches/${batch.id}/cancel`, { method: 'POST', headers: user })).status).toBe(200);
    await until(() => stack.worker.held === 0, SLOW_MS / 2);
    expect((await del(batch.id)).status).toBe(204);
    expect(await leftovers(db().database, batch.id)).toEqual({ batches: 0, jobs: 0, deps: 0, events: 0, calls: 0, questions: 0 });
  });
});
