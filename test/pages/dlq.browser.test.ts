import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { useTestDatabase } from '../helpers/db.js';
import { BROWSER_TESTS, launchChromium, watchedPage } from './browser.js';
import { ADMIN_KEY, HOSTILE_IMG, HOSTILE_SCRIPT, goodModel, hostileModel, startService, type Service } from './service.js';

const getDb = useTestDatabase();
let svc: Service;
let browser: Browser;

beforeAll(async () => {
  svc = await startService(getDb().database, { keys: true });
  if (BROWSER_TESTS) browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await svc?.stop();
});

describe.skipIf(!BROWSER_TESTS)('DLQ view in Chromium', () => {
  it('shows hostile model output as text without running it, then Replay from the page resumes the batch', async () => {
    svc.pipeline.script(hostileModel);
    const batch = await svc.pipeline.submit({ topic: 'Markup in answers', count: 2, maxAttempts: 1 });
    const failed = await svc.pipeline.waitFor(batch.id, ['failed']);
    const deadId = failed.jobs.find((j) => j.state === 'dead')?.id;
    expect(deadId).toBeDefined();

    const w = await watchedPage(browser, svc.url);
    const { page } = w;
    try {
      // Log in through the form; the session cookie carries the admin scope from here on.
      await page.goto('/dlq');
      await page.waitForURL(/\/login\?next=%2Fdlq$/);
      await page.fill('#key', ADMIN_KEY);
      await page.click('button[type=submit]');
      await page.waitForURL(/\/dlq$/);

      await page.click(`tr[data-job-id="${deadId}"] a`);
      await page.waitForURL(new RegExp(`/dlq/${deadId}$`));
      const raw = page.locator('pre.raw').first();
      await expect.poll(() => raw.isVisible()).toBe(true);

      // The markup is on screen as text…
      const shown = (await raw.innerText()) ?? '';
      expect(shown).toContain(HOSTILE_SCRIPT);
      expect(shown).toContain(HOSTILE_IMG.replace(/"/g, '\\"'));
      expect(await page.getByText(HOSTILE_SCRIPT).first().isVisible()).toBe(true);
      // …it never became elements, so nothing ran and the CSP had nothing to block.
      expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
      expect(await page.locator('main script, main img').count()).toBe(0);
      expect(await page.locator('script:not([src])').count()).toBe(0);
      expect(await w.cspViolations()).toEqual([]);

      // The issue list links to the exact value, inside the marked question.
      const issue = page.locator('ol.issues li').first();
      expect(await issue.innerText()).toContain('questions[0].correctAnswer');
      expect(await issue.innerText()).toContain('answer_out_of_range');
      const href = await issue.locator('a').getAttribute('href');
      expect(await page.locator(`pre.raw mark.question[data-question="0"] ${href ?? '#none'}`).innerText()).toBe('7');

      // Replay with a model that now answers well.
      svc.pipeline.script(goodModel);
      await page.click('#replay');
      await page.waitForURL(/\/dlq\?done=replayed&job=\d+$/);
      expect(await page.locator('#notice').innerText()).toBe(`Job ${deadId} replayed.`);
      expect(await page.locator(`tr[data-job-id="${deadId}"]`).count()).toBe(0);
      const job = await svc.pipeline.engine.getJob(deadId ?? -1);
      expect(job?.state).not.toBe('dead');

      const done = await svc.pipeline.waitFor(batch.id, ['succeeded']);
      expect(done.questions).toHaveLength(2);
      expect(w.errors).toEqual([]);
    } finally {
      await w.close();
    }
  });
});
