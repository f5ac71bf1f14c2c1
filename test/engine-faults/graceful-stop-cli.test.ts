import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createEngine } from '../../src/engine/index.js';
import { startScriptedServer } from '../../src/model/scripted-server.js';
import { DEMO_BATCHES, demoScript } from '../../src/quiz/demo-scenarios.js';
import { readVerifyAsk } from '../../src/quiz/demo-model.js';
import { createQuizService } from '../../src/quiz/service.js';
import { BatchRequestSchema } from '../../schemas/batch-request.js';
import { useTestDatabase } from '../helpers/db.js';
import { waitUntil } from './harness.js';

const testDb = useTestDatabase();
const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
const MODEL_DELAY_MS = 1500;

describe('graceful stop of the real CLI (`quizforge worker`, SIGTERM)', () => {
  it('finishes the model calls in flight, claims nothing more, leaves no job running, exits 0', async () => {
    const { database, url } = testDb();
    const script = demoScript();
    // A slow "model": each answer takes 1.5 s, so SIGTERM lands while handlers wait on it.
    const server = await startScriptedServer(async (req) => ({ ...(await script(req)), delayMs: MODEL_DELAY_MS }));
    const engine = createEngine({ database });
    try {
      const service = createQuizService({ engine, database });
      // Two chunk jobs (5 + 3 questions) and an assemble job that waits for both.
      const { batch } = await service.submit(BatchRequestSchema.parse(DEMO_BATCHES.success.request));

      const proc = spawn(process.execPath, ['bin/quizforge.js', 'worker', '--concurrency', '2', '--grace-ms', '10000'], {
        cwd: REPO_ROOT,
        env: {
          ...process.env,
          DATABASE_URL: url,
          OPENAI_BASE_URL: server.url,
          OPENAI_API_KEY: 'test-key',
          QUIZFORGE_MODEL_MODE: 'live',
          LOG_LEVEL: 'warn',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let output = '';
      proc.stdout.on('data', (c: Buffer) => (output += c.toString()));
      proc.stderr.on('data', (c: Buffer) => (output += c.toString()));
      const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
        proc.once('exit', (code, signal) => resolve({ code, signal })),
      );

      const chat = () => server.requests.filter((r) => r.path === '/v1/chat/completions');
      // Generation calls start jobs' work; each running chunk then verifies its questions (a second
      // call of the same handler, within the grace period), which is no new claim.
      const modelCalls = () => chat().filter((r) => readVerifyAsk(r.body as never) === null).length;
      const verifyCalls = () => chat().length - modelCalls();
      await waitUntil(() => modelCalls() >= 2, 40_000, () => `model calls ${modelCalls()}\n${output}`);
      const sentAt = Date.now();
      proc.kill('SIGTERM');
      const exit = await exited;
      const tookMs = Date.now() - sentAt;

      expect(exit, output).toEqual({ code: 0, signal: null });
      expect(tookMs).toBeLessThan(10_000);
      expect(modelCalls()).toBe(2); // no claim after SIGTERM
      expect(verifyCalls()).toBe(2); // the two handlers in flight finished their work, verification included
      const jobs = await engine.listJobs({ groupId: batch.id });
      const byQueue = (q: string) => jobs.filter((j) => j.queue === q).map((j) => j.state);
      // The two handlers that were waiting on the model finished within the grace period...
      expect(byQueue('quiz.chunk')).toEqual(['succeeded', 'succeeded']);
      // ...and the assemble job they released stays for the next worker: nothing is left running.
      expect(byQueue('quiz.assemble')).toEqual(['ready']);
      expect(jobs.filter((j) => j.state === 'running')).toEqual([]);
    } finally {
      await engine.close();
      await server.close();
    }
  }, 60_000);
});
