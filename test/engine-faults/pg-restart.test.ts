import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startScriptedServer, type ScriptedServer } from '../../src/model/scripted-server.js';
import { DEMO_BATCHES, demoScript } from '../../src/quiz/demo-scenarios.js';
import { startPrivateCluster, type PrivateCluster } from '../helpers/private-pg.js';
import { spawnService, type ServiceProcess } from '../helpers/service.js';
import { sleep, waitUntil } from './harness.js';

/**
 * A PostgreSQL restart under load, on a cluster of the test's own: `quizforge serve` (API and
 * workers) keeps running through it, `/readyz` answers 503 at once while the server is down, and
 * every batch finishes with exactly its questions.
 */

const BATCHES = 12;
const MODEL_DELAY_MS = 400;

let cluster: PrivateCluster;
let model: ScriptedServer;
let svc: ServiceProcess;

beforeAll(async () => {
  cluster = await startPrivateCluster();
  const script = demoScript();
  model = await startScriptedServer(async (req) => ({ ...(await script(req)), delayMs: MODEL_DELAY_MS }));
  svc = await spawnService(['--concurrency', '4', '--grace-ms', '5000'], {
    DATABASE_URL: cluster.url,
    OPENAI_BASE_URL: model.url,
    OPENAI_API_KEY: 'test-key',
    QUIZFORGE_MODEL_MODE: 'live',
  });
}, 120_000);

afterAll(async () => {
  if (svc?.alive()) {
    svc.proc.kill('SIGTERM');
    await Promise.race([svc.exited, sleep(10_000)]);
    if (svc.alive()) svc.proc.kill('SIGKILL');
  }
  await model?.close();
  await cluster?.destroy();
}, 60_000);

interface Batch {
  id: string;
  status: string;
  questions: unknown[] | null;
  jobs: Array<{ id: number; state: string }>;
}

async function getBatch(id: string): Promise<Batch> {
  const res = await fetch(`${svc.url}/v1/batches/${id}`);
  if (res.status !== 200) throw new Error(`GET batch ${id}: ${res.status} ${await res.text()}`);
  return (await res.json()) as Batch;
}

async function readyz(): Promise<{ status: number; ms: number }> {
  const t0 = Date.now();
  const res = await fetch(`${svc.url}/readyz`, { signal: AbortSignal.timeout(10_000) });
  await res.arrayBuffer();
  return { status: res.status, ms: Date.now() - t0 };
}

describe('PostgreSQL restart under load (private cluster)', () => {
  it('stays up, answers 503 on /readyz while the database is down, and finishes every batch exactly', async () => {
    expect((await readyz()).status).toBe(200);
    const ids: string[] = [];
    for (let i = 0; i < BATCHES; i++) {
      const res = await fetch(`${svc.url}/v1/batches`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(DEMO_BATCHES.success.request),
      });
      expect(res.status, await res.clone().text()).toBe(202);
      ids.push(((await res.json()) as { id: string }).id);
    }
    const calls = () => model.requests.filter((r) => r.path === '/v1/chat/completions').length;
    // Mid-run: some model calls made, most of the work still ahead.
    await waitUntil(() => calls() >= 4, 30_000, () => `model calls ${calls()}\n${svc.log()}`);
    expect(calls()).toBeLessThan(BATCHES * 2);

    await cluster.stop();
    const down: Array<{ status: number; ms: number }> = [];
    for (let i = 0; i < 5; i++) {
      down.push(await readyz());
      await sleep(200);
    }
    // Refused connections fail fast; the check never waits for its 2 s timeout, let alone hangs.
    expect(down.map((d) => d.status)).toEqual([503, 503, 503, 503, 503]);
    expect(Math.max(...down.map((d) => d.ms)), JSON.stringify(down)).toBeLessThan(2500);
    // Reads that need the database get a 503 envelope too, never a 500 or a hang.
    const read = await fetch(`${svc.url}/v1/batches/${ids[0]}`, { signal: AbortSignal.timeout(10_000) });
    expect(read.status).toBe(503);
    expect(read.headers.get('retry-after')).toBe('1');
    await sleep(1500);
    expect(svc.alive(), svc.log()).toBe(true);

    await cluster.start();
    await waitUntil(async () => (await readyz()).status === 200, 30_000, () => svc.log());
    await waitUntil(
      async () => (await Promise.all(ids.map(getBatch))).every((b) => b.status === 'succeeded'),
      // Jobs whose outcome could not be written while the server was down wait out their lease
      // (30 s) and the reaper; allow that twice over.
      90_000,
      async () => `batches ${JSON.stringify((await Promise.all(ids.map(getBatch))).filter((b) => b.status !== 'succeeded'))}\n${svc.log()}`,
    );
    for (const id of ids) {
      const b = await getBatch(id);
      expect(b.questions).toHaveLength(DEMO_BATCHES.success.request.count);
      // Two chunks and one assemble, each succeeded once: no job was duplicated by a retry.
      expect(b.jobs.map((j) => j.state)).toEqual(['succeeded', 'succeeded', 'succeeded']);
    }
    expect(svc.alive(), svc.log()).toBe(true);
  }, 180_000);
});
