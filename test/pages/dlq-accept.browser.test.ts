import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { answerText, demoQuestion, readAsk } from '../../src/quiz/demo-model.js';
import type { ScriptFn } from '../../src/model/scripted-server.js';
import { useTestDatabase } from '../helpers/db.js';
import { callsOf } from '../quiz/pipeline/harness.js';
import { seriousViolations } from './axe.js';
import { BROWSER_TESTS, launchChromium, watchedPage } from './browser.js';
import { ADMIN_KEY, HOSTILE_IMG, HOSTILE_SCRIPT, startService, type Service } from './service.js';

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

/** Question 1 is fine; question 2 carries hostile markup and an out-of-range key, so the chunk dies. */
const secondHostile: ScriptFn = ({ body }) => {
  const ask = readAsk(body);
  const questions = Array.from({ length: ask.count }, (_, i) =>
    i === 1 ? { ...demoQuestion(ask.topic, 2, ask.options), question: `Broken ${HOSTILE_SCRIPT}`, correctAnswer: 7 } : demoQuestion(ask.topic, 1, ask.options),
  );
  return { content: answerText(questions) };
};

const pwned = () => (window as unknown as { __pwned?: number }).__pwned;

describe.skipIf(!BROWSER_TESTS)('Fix and accept in the DLQ view (Chromium)', () => {
  it('shows issues beside the fields when the fix is invalid, then accepts hostile text as text and the batch succeeds', async () => {
    svc.pipeline.script(secondHostile);
    const batch = await svc.pipeline.submit({ topic: 'Reviewer fixes', count: 2, maxAttempts: 1 });
    const failed = await svc.pipeline.waitFor(batch.id, ['failed']);
    const deadId = failed.jobs.find((j) => j.state === 'dead')?.id ?? -1;
    expect(deadId).toBeGreaterThan(0);

    const w = await watchedPage(browser, svc.url);
    const { page } = w;
    try {
      await page.goto(`/dlq/${deadId}`);
      await page.waitForURL(/\/login\?next=/);
      await page.fill('#key', ADMIN_KEY);
      await page.click('button[type=submit]');
      await page.waitForURL(new RegExp(`/dlq/${deadId}$`));

      // The valid question is read-only, the failing one is a form prefilled with the model's text.
      expect(await page.locator('fieldset.review-question.valid[data-position="0"]').count()).toBe(1);
      expect(await page.locator('fieldset.review-question.valid input, fieldset.review-question.valid textarea').count()).toBe(0);
      expect(await page.inputValue('textarea[name="q1.question"]')).toBe(`Broken ${HOSTILE_SCRIPT}`);
      expect(await page.locator('[data-issues-for="q1.key"]').innerText()).toContain('answer_out_of_range');
      expect(await seriousViolations(page)).toEqual([]);

      // An invalid fix: two options alike. The page answers 422 with the issue beside the options; nothing changes.
      const stem = `Which is right? ${HOSTILE_SCRIPT} ${HOSTILE_IMG}`;
      await page.fill('textarea[name="q1.question"]', stem);
      await page.fill('input[name="q1.option0"]', 'same');
      await page.fill('input[name="q1.option1"]', 'same');
      await page.check('input[name="q1.key"][value="2"]');
      const refused = page.waitForResponse((r) => r.url().endsWith(`/dlq/${deadId}/accept`));
      await page.click('#accept');
      expect((await refused).status()).toBe(422);
      expect(await page.locator('[data-issues-for="q1.options"]').innerText()).toMatch(/duplicate/i);
      expect(await page.inputValue('textarea[name="q1.question"]')).toBe(stem);
      expect((await svc.pipeline.engine.getJob(deadId))?.state).toBe('dead');
      expect(await seriousViolations(page)).toEqual([]);

      // The fix: distinct options, hostile text kept in the stem and explanation.
      await page.fill('input[name="q1.option0"]', `Alpha ${HOSTILE_IMG}`);
      await page.fill('input[name="q1.option1"]', 'Beta');
      await page.fill('textarea[name="q1.explanation"]', `Because ${HOSTILE_SCRIPT} is only text.`);
      await page.click('#accept');
      await page.waitForURL(/\/dlq\?done=accepted&job=\d+$/);
      expect(await page.locator('#notice').innerText()).toBe(`Job ${deadId} accepted.`);

      const done = await svc.pipeline.waitFor(batch.id, ['succeeded']);
      const human = (done.questions ?? []).filter((q) => q.verified === 'human');
      expect(human.map((q) => q.question)).toEqual([stem]);
      expect(human[0]?.explanation).toBe(`Because ${HOSTILE_SCRIPT} is only text.`);
      const calls = await callsOf(getDb().database, deadId);
      expect(calls[calls.length - 1]?.kind).toBe('human');
      expect(calls[calls.length - 1]?.model).toBe('admin via session');

      // Nothing the reviewer or the model typed ever ran.
      expect(await page.evaluate(pwned)).toBeUndefined();
      expect(await page.locator('script:not([src])').count()).toBe(0);
      expect(await w.cspViolations()).toEqual([]);
      // The one console line is the refused (422) post, reported by Chromium as a failed load.
      expect(w.errors.filter((e) => !e.includes('status of 422'))).toEqual([]);
    } finally {
      await w.close();
    }
  });

  it('refuses a cross-site accept post', async () => {
    const res = await fetch(`${svc.url}/dlq/1/accept`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' },
      body: 'q0.question=x',
    });
    expect(res.status).toBe(403);
  });
});
