import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useTestDatabase } from '../helpers/db.js';
import { READ_KEY, goodModel, startService, type Service } from './service.js';

const getDb = useTestDatabase();
let svc: Service;

const ORIGIN = 'http://127.0.0.1';
const auth = { authorization: `Bearer ${READ_KEY}` };
const req = (path: string, init: RequestInit = {}) => svc.app.request(`${ORIGIN}${path}`, init);
const cancel = (id: string, headers: Record<string, string> = { ...auth, origin: ORIGIN }) =>
  req(`/batches/${id}/cancel`, { method: 'POST', headers: { host: '127.0.0.1', 'content-type': 'application/x-www-form-urlencoded', ...headers }, body: '' });

/** A model slow enough that a batch is still running when the test cancels it. */
const slowModel: typeof goodModel = (r) => ({ ...goodModel(r), delayMs: 10_000 });

beforeAll(async () => {
  svc = await startService(getDb().database, { keys: true });
});
afterAll(async () => {
  await svc?.stop();
});

describe('the batch page’s Cancel button', () => {
  it('is shown while the batch runs and posts to the quiz service’s cancel; the page then says so and drops it', async () => {
    svc.pipeline.script(slowModel);
    const batch = await svc.pipeline.submit({ topic: 'Slow seas', count: 2 });
    await svc.pipeline.waitFor(batch.id, ['running', 'queued']);
    const running = await (await req(`/batches/${batch.id}`, { headers: auth })).text();
    expect(running).toMatch(new RegExp(`<form method="post" action="/batches/${batch.id}/cancel"[^>]*><button type="submit" id="cancel"`));

    // Cross-site and session-less posts are refused and cancel nothing.
    expect((await cancel(batch.id, { ...auth, origin: 'https://evil.example' })).status).toBe(403);
    expect((await cancel(batch.id, { origin: ORIGIN })).status).toBe(401);
    expect((await svc.pipeline.service.get(batch.id))?.status).not.toBe('cancelled');

    const res = await cancel(batch.id);
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe(`/batches/${batch.id}?done=cancelled`);
    const view = await svc.pipeline.waitFor(batch.id, ['cancelled']);
    expect(view.jobs.every((j) => j.state === 'cancelled' || j.state === 'succeeded')).toBe(true);
    const after = await (await req(`/batches/${batch.id}?done=cancelled`, { headers: auth })).text();
    expect(after).toContain('Batch cancelled');
    expect(after).toContain('id="status-text">cancelled<');
    expect(after).not.toContain('id="cancel"');
    // A repeat is harmless.
    expect((await cancel(batch.id)).headers.get('location')).toBe(`/batches/${batch.id}?done=cancelled`);
  });

  it('a succeeded batch has no button, and a late post says nothing was cancelled; an unknown batch is 404', async () => {
    svc.pipeline.script(goodModel);
    const batch = await svc.pipeline.submit({ topic: 'Quick lakes', count: 1 });
    await svc.pipeline.waitFor(batch.id, ['succeeded']);
    expect(await (await req(`/batches/${batch.id}`, { headers: auth })).text()).not.toContain('id="cancel"');
    const res = await cancel(batch.id);
    expect(res.headers.get('location')).toBe(`/batches/${batch.id}?done=finished`);
    expect((await svc.pipeline.service.get(batch.id))?.status).toBe('succeeded');
    expect(await (await req(`/batches/${batch.id}?done=finished`, { headers: auth })).text()).toContain('nothing was cancelled');
    expect(await (await req(`/batches/${batch.id}?done=%3Cb%3E`, { headers: auth })).text()).not.toContain('id="notice"');
    expect((await cancel('no-such-batch')).status).toBe(404);
  });
});
