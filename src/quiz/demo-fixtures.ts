/**
 * Records the shipped demo cassettes: `node --import tsx src/quiz/demo-fixtures.ts [--out DIR]`.
 *
 * There is no live model here. The "model" is the scripted OpenAI-compatible server answering from
 * demo-scenarios.ts; the real pipeline runs against it in `record` mode (engine, worker, repair
 * loop, embedded PGlite database), so every cassette holds exactly the request the SDK sent and
 * the response it parsed. Re-run it whenever the prompts, the JSON Schema or the request shape
 * change (`quizforge fixtures check` says when).
 */
import { readFile, readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { migrateDatabase, openDatabase } from '../db/client.js';
import { createEngine } from '../engine/index.js';
import { createModelClient } from '../model/client.js';
import { DEFAULT_MODEL, DEFAULT_TIMEOUT_MS, resolveFixturesDir } from '../model/config.js';
import { startScriptedServer } from '../model/scripted-server.js';
import { BatchRequestSchema } from '../../schemas/batch-request.js';
import { DEFAULT_QUIZ_CONFIG } from './config.js';
import { DEMO_BATCHES, demoScript } from './demo-scenarios.js';
import { DEMO_DOCUMENT, DEMO_SOURCE_ID } from './demo-grounded.js';
import { createQuizService, type QuizService } from './service.js';
import type { BatchStatus, BatchView } from './views.js';

const CASSETTE_FILE = /^[0-9a-f]{20}\.json$/;

async function waitFor(service: QuizService, id: string, statuses: BatchStatus[]): Promise<BatchView> {
  const until = Date.now() + 60_000;
  for (;;) {
    const view = await service.get(id);
    if (view && statuses.includes(view.status)) return view;
    if (Date.now() > until) throw new Error(`batch ${id} did not reach ${statuses.join('|')}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Records every demo scenario into `outDir`, replacing the cassettes there. */
export async function recordDemoFixtures(outDir: string, log: (line: string) => void = console.log): Promise<void> {
  for (const name of await readdir(outDir).catch(() => [])) {
    if (CASSETTE_FILE.test(name)) await rm(path.join(outDir, name));
  }
  const server = await startScriptedServer(demoScript());
  const database = await openDatabase({ dataDir: 'memory://' });
  await migrateDatabase(database);
  const engine = createEngine({ database, config: { pollMs: 50 } });
  try {
    const modelClient = createModelClient({
      mode: 'record',
      baseURL: server.url,
      apiKey: 'quizforge-no-key',
      model: DEFAULT_MODEL,
      timeoutMs: DEFAULT_TIMEOUT_MS,
      fixturesDir: outDir,
    });
    // Default pipeline settings: replay only matches requests shaped exactly like these.
    const service = createQuizService({ engine, database, modelClient, config: DEFAULT_QUIZ_CONFIG });
    const worker = engine.createWorker({ tasks: service.tasks(), concurrency: 1, pollMs: 50 });
    await worker.start();
    try {
      // Stored the way `quizforge sources add fixtures/documents/honeybees.md` stores it.
      const bytes = new Uint8Array(await readFile(fileURLToPath(new URL(`../../${DEMO_DOCUMENT}`, import.meta.url))));
      const { source } = await service.sources.addFile({ bytes, mediaType: 'text/markdown', fileName: path.basename(DEMO_DOCUMENT) });
      if (source.id !== DEMO_SOURCE_ID) throw new Error(`${DEMO_DOCUMENT} is now source ${source.id}: update DEMO_SOURCE_ID (and the README)`);
      for (const [key, demo] of Object.entries(DEMO_BATCHES)) {
        const { batch } = await service.submit(BatchRequestSchema.parse(demo.request));
        let view = await waitFor(service, batch.id, ['succeeded', 'failed']);
        log(`${key}: ${JSON.stringify(demo.request)} -> ${view.status} (${view.usage.modelCalls} model calls)`);
        if (view.status === 'failed' && key !== 'refusal' && key !== 'exhausted') {
          const dead = view.jobs.find((j) => j.state === 'dead');
          const entry = dead === undefined ? null : await service.dlqGet(dead.id);
          throw new Error(`${key} failed: ${JSON.stringify(entry?.attempts.map((a) => a.issues) ?? entry?.lastError)}`);
        }
        if (key === 'exhausted') {
          const dead = view.jobs.find((j) => j.state === 'dead');
          if (!dead) throw new Error('the exhausted scenario left no dead job');
          await service.dlqReplay(dead.id);
          view = await waitFor(service, batch.id, ['succeeded', 'failed']);
          log(`${key}: after DLQ replay of job ${dead.id} -> ${view.status} (${view.usage.modelCalls} model calls)`);
        }
      }
    } finally {
      await worker.stop({ graceMs: 1_000 });
    }
  } finally {
    await engine.close();
    await database.close();
    await server.close();
  }
  const files = (await readdir(outDir)).filter((n) => CASSETTE_FILE.test(n));
  log(`${files.length} cassettes in ${outDir}`);
}

if (import.meta.url === `file://${process.argv[1] ?? ''}`) {
  const { values } = parseArgs({ options: { out: { type: 'string' } } });
  recordDemoFixtures(values.out ?? resolveFixturesDir()).catch((err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  });
}
