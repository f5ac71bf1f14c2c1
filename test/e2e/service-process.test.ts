import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { EventSource } from 'eventsource';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, type CliRun } from '../helpers/cli.js';
import { useTestDatabase } from '../helpers/db.js';
import { BROWSER_TESTS, launchChromium, watchedPage } from '../pages/browser.js';

/**
 * The whole product as a user meets it: `quizforge serve` as a child process on real PostgreSQL,
 * replaying the shipped fixtures; the CLI (`submit --wait`, `dlq`) over HTTP; a real EventSource
 * client with a forced reconnect; the DLQ page in Chromium; SIGTERM for a clean exit.
 */

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const API_KEY = 'e2e-api-key-000000000000';
const ADMIN_KEY = 'e2e-admin-key-11111111111';
const db = useTestDatabase();

let proc: ChildProcess;
let baseUrl: string;
let serverLog = '';

interface Received {
  id: number;
  type: string;
  data: { jobId?: number; batchId?: string; state?: string };
}

function childEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (!k.startsWith('OPENAI_') && !k.startsWith('QUIZFORGE_')) env[k] = v;
  }
  return {
    ...env,
    DATABASE_URL: db().url,
    QUIZFORGE_API_KEYS: API_KEY,
    QUIZFORGE_ADMIN_KEYS: ADMIN_KEY,
    QUIZFORGE_MODEL_MODE: 'replay',
    LOG_LEVEL: 'warn',
  };
}

/** Runs a CLI command in-process against the service, with an API (or admin) key. */
function cli(argv: string[], key = API_KEY): Promise<CliRun> {
  return runCli(argv, { QUIZFORGE_URL: baseUrl, QUIZFORGE_API_KEY: key });
}

/** A live SSE subscription with the real `eventsource` client, authenticated by Bearer key. */
function follow(lastEventId?: number): { events: Received[]; es: EventSource; waitFor(pred: (e: Received) => boolean): Promise<Received> } {
  const events: Received[] = [];
  const waiters: Array<{ pred: (e: Received) => boolean; resolve: (e: Received) => void }> = [];
  const es = new EventSource(`${baseUrl}/v1/events`, {
    fetch: (url, init) =>
      fetch(url, {
        ...init,
        headers: {
          ...(init?.headers ?? {}),
          authorization: `Bearer ${API_KEY}`,
          ...(lastEventId === undefined ? {} : { 'last-event-id': String(lastEventId) }),
        },
      }),
  });
  const onEvent = (type: string) => (msg: MessageEvent<string>) => {
    // eventsource 4 may still dispatch buffered events after close(): a closed stream saw nothing.
    if (es.readyState === es.CLOSED) return;
    const e: Received = { id: Number(msg.lastEventId), type, data: JSON.parse(msg.data) as Received['data'] };
    events.push(e);
    for (const w of [...waiters]) {
      if (w.pred(e)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(e);
      }
    }
  };
  for (const type of ['job.enqueued', 'job.started', 'job.ready', 'job.succeeded', 'job.dead', 'job.replayed', 'job.retry_scheduled', 'job.blocked', 'job.unblocked', 'batch.succeeded', 'batch.failed']) {
    es.addEventListener(type, onEvent(type));
  }
  return {
    events,
    es,
    waitFor: (pred) => {
      const hit = events.find(pred);
      if (hit) return Promise.resolve(hit);
      return new Promise((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(`event not seen; got ${events.map((e) => e.type).join(',')}`)), 30_000);
        waiters.push({ pred, resolve: (e) => (clearTimeout(t), resolve(e)) });
      });
    },
  };
}

async function getBatch(id: string): Promise<{ status: string; questions: unknown[] | null; jobs: Array<{ id: number; state: string }> }> {
  const res = await fetch(`${baseUrl}/v1/batches/${id}`, { headers: { authorization: `Bearer ${API_KEY}` } });
  expect(res.status).toBe(200);
  return (await res.json()) as { status: string; questions: unknown[] | null; jobs: Array<{ id: number; state: string }> };
}

async function waitForStatus(id: string, status: string): Promise<void> {
  await expect.poll(async () => (await getBatch(id)).status, { timeout: 30_000, interval: 200 }).toBe(status);
}

beforeAll(async () => {
  proc = spawn(process.execPath, ['bin/quizforge.js', 'serve', '--port', '0', '--concurrency', '2', '--grace-ms', '5000'], {
    cwd: ROOT,
    env: childEnv(),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  baseUrl = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve did not start:\n${serverLog}`)), 60_000);
    const onData = (d: Buffer) => {
      serverLog += d.toString();
      const m = /quizforge listening on (http:\/\/[\d.:]+)/.exec(serverLog);
      if (m?.[1]) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    };
    proc.stderr?.on('data', onData);
    proc.stdout?.on('data', (d: Buffer) => (serverLog += d.toString()));
    proc.once('exit', (code) => reject(new Error(`serve exited early (${code}):\n${serverLog}`)));
  });
}, 90_000);

afterAll(async () => {
  if (proc.exitCode === null) proc.kill('SIGKILL');
});

describe('quizforge serve as a process, end to end', () => {
  let lastSeen = 0;

  it('submit --wait follows the SSE stream to the questions while a live client sees every state change', async () => {
    const live = follow();
    const res = await cli(['submit', '--topic', 'The water cycle', '--count', '8', '--wait']);
    expect(res.code, res.stderr).toBe(0);
    const out = JSON.parse(res.stdout) as { id: string; questions: Array<{ options: string[]; correctAnswer: number }> };
    expect(out.questions).toHaveLength(8);
    expect(res.stderr).toMatch(/3\/3 jobs\s+succeeded/);

    const done = await live.waitFor((e) => e.type === 'batch.succeeded' && e.data.batchId === out.id);
    const mine = live.events.filter((e) => e.data.batchId === out.id);
    // Two chunks and the assemble job: each enqueued, started and succeeded, in id order.
    for (const type of ['job.enqueued', 'job.started', 'job.succeeded']) {
      expect(new Set(mine.filter((e) => e.type === type).map((e) => e.data.jobId)).size, type).toBe(3);
    }
    const ids = live.events.map((e) => e.id);
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    expect(new Set(ids).size).toBe(ids.length);
    lastSeen = done.id;
    live.es.close();
  });

  it('a client that reconnects with Last-Event-ID gets exactly what it missed, then continues live', async () => {
    // While nobody listens, a second batch runs to completion.
    const res = await cli(['submit', '--topic', 'The solar system', '--count', '5']);
    expect(res.code, res.stderr).toBe(0);
    const { id } = JSON.parse(res.stdout) as { id: string };
    await waitForStatus(id, 'succeeded');

    const resumed = follow(lastSeen);
    await resumed.waitFor((e) => e.type === 'batch.succeeded' && e.data.batchId === id);
    const ids = resumed.events.map((e) => e.id);
    expect(Math.min(...ids)).toBeGreaterThan(lastSeen);
    expect(new Set(ids).size).toBe(ids.length);
    expect(resumed.events.filter((e) => e.data.batchId === id && e.type === 'job.enqueued')).toHaveLength(2);

    // …and after the replay it is live: a new batch's events arrive on the same stream.
    const third = await cli(['submit', '--topic', 'Getting into a neighbour\'s locked house', '--count', '3']);
    const refused = JSON.parse(third.stdout) as { id: string };
    const dead = await resumed.waitFor((e) => e.type === 'batch.failed' && e.data.batchId === refused.id);
    expect(dead.data.state).toBe('failed');
    resumed.es.close();
  });

  it('a chunk that exhausts its attempts lands in the DLQ; Replay on the DLQ page resumes the batch', async () => {
    const res = await cli(['submit', '--topic', 'Medieval Baltic trade law', '--count', '3', '--wait']);
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(/failed/);

    const list = await cli(['dlq', 'list', '--json']);
    expect(list.code).toBe(0);
    const items = (JSON.parse(list.stdout) as { items: Array<{ id: number; batchId: string; reason: string }> }).items;
    const entry = items.find((i) => i.reason === 'validation');
    expect(entry).toBeDefined();
    const show = await cli(['dlq', 'show', String(entry?.id)]);
    const transcript = JSON.parse(show.stdout) as { attempts: Array<{ issues: unknown[] }> };
    expect(transcript.attempts).toHaveLength(3);
    expect(transcript.attempts.every((a) => a.issues.length > 0)).toBe(true);

    // Replay needs the admin scope: an API key is refused.
    expect((await cli(['dlq', 'replay', String(entry?.id)])).code).toBe(1);

    if (BROWSER_TESTS) {
      const browser: Browser = await launchChromium();
      const w = await watchedPage(browser, baseUrl);
      try {
        await w.page.goto('/dlq');
        await w.page.waitForURL(/\/login/);
        await w.page.fill('#key', ADMIN_KEY);
        await w.page.click('button[type=submit]');
        await w.page.waitForURL(/\/dlq$/);
        await w.page.click(`tr[data-job-id="${entry?.id}"] a`);
        expect(await w.page.locator('pre.raw').count()).toBe(3);
        await w.page.click('#replay');
        await w.page.waitForURL(/\/dlq\?done=replayed/);
        expect(w.errors).toEqual([]);
        expect(await w.cspViolations()).toEqual([]);
      } finally {
        await w.close();
        await browser.close();
      }
    } else {
      expect((await cli(['dlq', 'replay', String(entry?.id)], ADMIN_KEY)).code).toBe(0);
    }
    await waitForStatus(entry?.batchId ?? '', 'succeeded');
    expect((await getBatch(entry?.batchId ?? '')).questions).toHaveLength(3);
  });

  it('bad usage exits 2 and hostile input gets a 4xx envelope, never a 500', async () => {
    expect((await cli(['submit', '--count', '3'])).code).toBe(2);
    expect((await cli(['dlq', 'show', 'abc'])).code).toBe(2);
    expect((await cli(['nope'])).code).toBe(2);
    const bad = await cli(['submit', '--topic', 'x', '--count', '51']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('count');
  });

  it('SIGTERM drains and exits 0', async () => {
    const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
    proc.kill('SIGTERM');
    expect(await exited).toBe(0);
  });
});
