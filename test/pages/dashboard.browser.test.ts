import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { useTestDatabase } from '../helpers/db.js';
import { BROWSER_TESTS, launchChromium, watchedPage, type PageWatch } from './browser.js';
import { READ_KEY, goodModel, startService, type Service } from './service.js';

const getDb = useTestDatabase();
let svc: Service;
let browser: Browser;
let w: PageWatch;
let page: Page;
const streamRequests: Array<{ url: string; lastEventId: string | undefined }> = [];

const feedItem = (type: string, batchId: string) => `#feed li[data-type="${type}"][data-batch-id="${batchId}"]`;

async function submitViaApi(topic: string): Promise<string> {
  const res = await fetch(`${svc.url}/v1/batches`, {
    method: 'POST',
    headers: { authorization: `Bearer ${READ_KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify({ topic, count: 2 }),
  });
  expect(res.status).toBe(202);
  return ((await res.json()) as { id: string }).id;
}

async function eventIds(): Promise<number[]> {
  return page.$$eval('#feed li', (lis) => lis.map((li) => Number((li as HTMLElement).dataset.eventId)));
}

beforeAll(async () => {
  svc = await startService(getDb().database, { keys: true, sse: { retryMs: 300 } });
  svc.pipeline.script(goodModel);
  if (BROWSER_TESTS) browser = await launchChromium();
  w = await watchedPage(browser, svc.url);
  page = w.page;
  page.on('request', (r) => {
    if (!r.url().includes('/v1/events')) return;
    const entry: { url: string; lastEventId: string | undefined } = { url: r.url(), lastEventId: undefined };
    streamRequests.push(entry);
    // headers() shows only what the page set; the network stack adds Last-Event-ID.
    void r.allHeaders().then((h) => (entry.lastEventId = h['last-event-id']), () => undefined);
  });
  await page.goto('/');
  await page.waitForURL(/\/login/);
  await page.fill('#key', READ_KEY);
  await page.click('button[type=submit]');
  await page.waitForURL((u) => u.pathname === '/');
  await page.waitForSelector('#conn[data-state="open"]');
});
afterAll(async () => {
  await w?.close();
  await browser?.close();
  await svc?.stop();
});

describe.skipIf(!BROWSER_TESTS)('live dashboard in Chromium', () => {
  it('shows a new event within a second, then the batch’s progress and counts', async () => {
    const seen = page.waitForSelector('#feed li[data-type="job.enqueued"]', { timeout: 5_000 });
    const batchId = await submitViaApi('Live feed');
    // The events are committed once the API answered: from here the page has one second.
    const committed = Date.now();
    await seen;
    expect(Date.now() - committed).toBeLessThan(1_000);
    expect(await page.locator(feedItem('job.enqueued', batchId)).count()).toBeGreaterThan(0);

    await page.waitForSelector(feedItem('batch.succeeded', batchId), { timeout: 10_000 });
    const row = page.locator(`#batches-body tr[data-batch-id="${batchId}"]`);
    await expect.poll(() => row.locator('td.status-succeeded').count(), { timeout: 5_000 }).toBe(1);
    expect(await row.innerText()).toContain('Live feed');
    expect(await row.innerText()).toContain('1/1');
    const tile = (sel: string) => page.locator(sel).innerText().then((t) => Number(t.replace('+', '')));
    await expect.poll(() => tile('[data-count="succeeded"]'), { timeout: 8_000 }).toBeGreaterThanOrEqual(2);
    await expect.poll(() => tile('[data-throughput="succeeded"]'), { timeout: 8_000 }).toBeGreaterThanOrEqual(2);
    expect(w.errors).toEqual([]);
    expect(await w.cspViolations()).toEqual([]);
  });

  it('resumes with Last-Event-ID after the server drops the connection, missing nothing', async () => {
    const before = streamRequests.length;
    svc.server.server.closeAllConnections();
    // Produced while the browser is between connections: only a resume can deliver it.
    const batch = await svc.pipeline.submit({ topic: 'While disconnected', count: 2 });
    await page.waitForSelector(feedItem('batch.succeeded', batch.id), { timeout: 10_000 });
    expect(await page.locator(feedItem('job.enqueued', batch.id)).count()).toBeGreaterThan(0);
    const resumed = streamRequests.slice(before);
    expect(resumed.length).toBeGreaterThan(0);
    expect(Number(resumed[0]?.lastEventId)).toBeGreaterThan(0);
    const ids = await eventIds();
    expect(new Set(ids).size).toBe(ids.length);
    await page.waitForSelector('#conn[data-state="open"]');
  });

  it('reconnects on its own, from where it was, after the server refused the stream', async () => {
    const before = streamRequests.length;
    await page.route('**/v1/events**', (route) => route.fulfill({ status: 503, contentType: 'text/plain', body: 'restarting' }));
    svc.server.server.closeAllConnections();
    // A non-200 answer closes an EventSource for good; the page must notice and start a new one.
    await page.waitForSelector('#conn[data-state="closed"]', { timeout: 5_000 });
    const batch = await svc.pipeline.submit({ topic: 'While refused', count: 2 });
    await svc.pipeline.waitFor(batch.id, ['succeeded']);
    await page.unroute('**/v1/events**');
    await page.waitForSelector(feedItem('batch.succeeded', batch.id), { timeout: 10_000 });
    expect(await page.locator(feedItem('job.enqueued', batch.id)).count()).toBeGreaterThan(0);
    const resumedByPage = streamRequests.slice(before).filter((r) => /[?&]lastEventId=\d+/.test(r.url));
    expect(resumedByPage.length).toBeGreaterThan(0);
    const ids = await eventIds();
    expect(new Set(ids).size).toBe(ids.length);
    // The forced drops and the refusal are logged by Chromium; nothing else may be.
    expect(w.errors.filter((e) => !/503|ERR_INCOMPLETE_CHUNKED_ENCODING/.test(e))).toEqual([]);
  });
});
