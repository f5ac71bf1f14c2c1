import { readFileSync } from 'node:fs';
import { decodeHTML } from 'entities';
import { parse as parseGift, type MultipleChoice } from 'gift-pegjs';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BatchViewSchema } from '../../schemas/api.js';
import { useTestDatabase } from '../helpers/db.js';
import { seriousViolations } from './axe.js';
import { BROWSER_TESTS, launchChromium, watchedPage, type PageWatch } from './browser.js';
import { ADMIN_KEY, goodModel, groundedModel, hostileModel, startService, type Service } from './service.js';

const getDb = useTestDatabase();
let svc: Service;
let browser: Browser;
let w: PageWatch;
let page: Page;

/** Two chunks that finish a second apart, so the page has progress to show before it settles. */
const slowModel: typeof goodModel = (req) => ({ ...goodModel(req), delayMs: req.n % 2 === 1 ? 800 : 2_500 });

beforeAll(async () => {
  svc = await startService(getDb().database, { keys: true, sse: { retryMs: 300 } });
  svc.pipeline.script(goodModel);
  if (!BROWSER_TESTS) return;
  browser = await launchChromium();
  w = await watchedPage(browser, svc.url);
  page = w.page;
  await page.goto('/login');
  await page.fill('#key', ADMIN_KEY);
  await page.click('button[type=submit]');
  await page.waitForURL((u) => u.pathname === '/');
});
afterAll(async () => {
  await w?.close();
  await browser?.close();
  await svc?.stop();
});

describe.skipIf(!BROWSER_TESTS)('batch pages in Chromium', () => {
  it('the whole path: request on /batches/new, watch progress, read the questions, download and parse an export', async () => {
    svc.pipeline.script(slowModel);
    await page.goto('/');
    await page.click('a[href="/batches/new"]');
    await page.waitForURL((u) => u.pathname === '/batches/new');
    await page.fill('#topic', 'Volcanoes & {lava}');
    await page.fill('#count', '10');
    await page.selectOption('#difficulty', 'hard');
    await page.click('form.request button[type=submit]');
    await page.waitForURL(/\/batches\/[A-Za-z0-9_-]+$/);
    const id = new URL(page.url()).pathname.split('/').pop() ?? '';
    // Live over SSE: half the chunks done while the page is still the one first loaded.
    await page.waitForSelector('#waiting');
    await expect.poll(() => page.locator('#progress-text').innerText(), { timeout: 10_000 }).toBe('1/2');
    expect(await page.locator('#waiting').count()).toBe(1);
    await page.waitForSelector('li[data-question="10"]', { timeout: 15_000 });
    expect(await page.locator('#status-text').innerText()).toBe('succeeded');
    svc.pipeline.script(goodModel);

    const api = BatchViewSchema.parse(await (await fetch(`${svc.url}/v1/batches/${id}`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } })).json());
    const keyed = await page.$$eval('li[data-question]', (items) =>
      items.map((li) => Array.from(li.querySelectorAll('ol.options > li')).findIndex((o) => (o as HTMLElement).dataset.key === 'true')),
    );
    expect(keyed).toEqual(api.questions?.map((q) => ('correctAnswer' in q ? q.correctAnswer : null)));

    const [download] = await Promise.all([page.waitForEvent('download'), page.click('a[data-format="gift"]')]);
    expect(download.suggestedFilename()).toBe('volcanoes-lava.gift.txt');
    const parsed = parseGift(readFileSync(await download.path(), 'utf8')) as MultipleChoice[];
    expect(parsed.map((p) => decodeHTML(p.stem.text))).toEqual(api.questions?.map((q) => q.question));
    expect(parsed.map((p) => p.choices.findIndex((c) => c.isCorrect))).toEqual(api.questions?.map((q) => ('correctAnswer' in q ? q.correctAnswer : null)));
    expect(w.errors).toEqual([]);
    expect(await w.cspViolations()).toEqual([]);
  });

  it('uploads a text file instead of a topic, lands on the batch page and sees the evidence; a refused file is shown beside its field', async () => {
    svc.pipeline.script(groundedModel);
    await page.goto('/batches/new');
    // A file the source service refuses (415): the message beside the field, the other fields kept, axe still clean.
    await page.fill('#count', '3');
    await page.selectOption('#type', 'single');
    await page.setInputFiles('#file', { name: 'photo.bin', mimeType: 'application/octet-stream', buffer: Buffer.from([0, 1, 2, 254, 255]) });
    await page.click('form.request button[type=submit]');
    await page.waitForSelector('#file-error');
    expect(await page.locator('#file-error').innerText()).toMatch(/unsupported file type/);
    expect(await page.locator('#file').getAttribute('aria-describedby')).toContain('file-error');
    expect(await page.inputValue('#count')).toBe('3');
    expect(await seriousViolations(page)).toEqual([]);

    const notes = '# Glaciers\n\nA glacier forms where more snow falls in winter than melts in summer.\n\n# Fjords\n\nA fjord is a long, deep inlet of the sea carved by a glacier.\n';
    await page.fill('#count', '2');
    await page.setInputFiles('#file', { name: 'glaciers.md', mimeType: 'text/markdown', buffer: Buffer.from(notes) });
    await page.click('form.request button[type=submit]');
    await page.waitForURL(/\/batches\/[A-Za-z0-9_-]+$/);
    await page.waitForSelector('li[data-question="2"] blockquote.evidence', { timeout: 15_000 });
    const quotes = await page.locator('blockquote.evidence').allInnerTexts();
    expect(quotes).toHaveLength(2);
    expect(quotes[0]).toContain('A glacier forms where more snow');
    expect(quotes[1]).toContain('section s2');
    expect(await page.locator('h1').innerText()).toContain('Glaciers');
    svc.pipeline.script(goodModel);
    expect(await seriousViolations(page)).toEqual([]);
    expect(w.errors.filter((e) => !e.includes('status of 415'))).toEqual([]);
    expect(await w.cspViolations()).toEqual([]);
  });

  it('cancels a running batch with its Cancel button (keyboard), axe clean before and after', async () => {
    svc.pipeline.script((req) => ({ ...goodModel(req), delayMs: 10_000 }));
    const batch = await svc.pipeline.submit({ topic: 'Slow tides', count: 2 });
    await page.goto(`/batches/${batch.id}`);
    await page.waitForSelector('#cancel');
    expect(await seriousViolations(page)).toEqual([]);
    await page.focus('#cancel');
    await page.keyboard.press('Enter');
    await page.waitForURL((u) => u.search === '?done=cancelled');
    expect(await page.locator('#notice').innerText()).toContain('Batch cancelled');
    expect(await page.locator('#status-text').innerText()).toBe('cancelled');
    expect(await page.locator('#cancel').count()).toBe(0);
    expect(await seriousViolations(page)).toEqual([]);
    svc.pipeline.script(goodModel);
  });

  it('shows field errors from the API schema, focusable and described', async () => {
    await page.goto('/batches/new');
    await page.fill('#topic', '');
    await page.fill('#count', '99');
    await page.click('form.request button[type=submit]');
    await page.waitForSelector('#count-error');
    expect(await page.locator('#count').getAttribute('aria-describedby')).toContain('count-error');
    expect(await page.locator('#topic-error').innerText()).not.toBe('');
    // Keyboard: tabbing from the topic reaches its alternative, the document, then the count field.
    await page.focus('#topic');
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('file');
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('count');
  });

  it('the axe harness finds a real violation (an unlabelled field), so a clean page means something', async () => {
    const probe = await watchedPage(browser, svc.url);
    await probe.page.setContent('<html lang="en"><head><title>probe</title></head><body><main><input type="text"></main></body></html>');
    expect((await seriousViolations(probe.page)).map((v) => v.id)).toContain('label');
    await probe.close();
  });

  it('every page has no serious or critical axe-core violations', async () => {
    svc.pipeline.script(hostileModel);
    const failed = await svc.pipeline.submit({ topic: 'Hostile', count: 1, maxAttempts: 1 });
    const failedView = await svc.pipeline.waitFor(failed.id, ['failed']);
    svc.pipeline.script(goodModel);
    const ok = await svc.pipeline.submit({ topic: 'Rivers', count: 2 });
    await svc.pipeline.waitFor(ok.id, ['succeeded']);
    const dead = failedView.jobs.find((j) => j.state === 'dead');
    const paths = ['/', '/batches/new', `/batches/${ok.id}`, `/batches/${failed.id}`, '/dlq', `/dlq/${dead?.id ?? 0}`, '/logout'];
    const report: Record<string, unknown> = {};
    for (const path of paths) {
      await page.goto(path);
      const violations = await seriousViolations(page);
      if (violations.length > 0) report[path] = violations;
    }
    // The form with errors beside its fields, and the login form of a visitor without a session.
    await page.goto('/batches/new');
    await page.fill('#count', '0');
    await page.click('form.request button[type=submit]');
    await page.waitForSelector('#count-error');
    const withErrors = await seriousViolations(page);
    if (withErrors.length > 0) report['/batches/new (errors)'] = withErrors;
    const fresh = await watchedPage(browser, svc.url);
    await fresh.page.goto('/login');
    const login = await seriousViolations(fresh.page);
    if (login.length > 0) report['/login'] = login;
    await fresh.close();
    expect(report).toEqual({});
    // Chromium logs the form's deliberate 422/415 (errors beside fields) as a failed resource.
    expect(w.errors.filter((e) => !/status of (415|422)/.test(e))).toEqual([]);
  });
});
