import type { AnyQuestion, SingleQuestion } from '../../../schemas/question.js';
import { sql } from 'drizzle-orm';
import { Registry } from 'prom-client';
import type { Database } from '../../../src/db/client.js';
import { queryRows } from '../../../src/db/rows.js';
import { createEngine, type Engine, type Worker } from '../../../src/engine/index.js';
import { createModelClient, type ModelClient } from '../../../src/model/client.js';
import { DEFAULT_MODEL, resolveFixturesDir, type ModelConfig } from '../../../src/model/config.js';
import { startScriptedServer, type ScriptFn, type ScriptedServer } from '../../../src/model/scripted-server.js';
import { startScriptedBatchServer, type ScriptedBatchOptions } from '../../../src/model/scripted-batch-server.js';
import { DEFAULT_QUIZ_CONFIG, type QuizConfig } from '../../../src/quiz/config.js';
import { createQuizMetrics } from '../../../src/quiz/metrics.js';
import { readVerifyAsk, withVerifier } from '../../../src/quiz/demo-model.js';
import { createQuizService, type QuizService } from '../../../src/quiz/service.js';
import type { BatchStatus, BatchView } from '../../../src/quiz/views.js';
import { BatchRequestSchema, type BatchRequestInput } from '../../../schemas/batch-request.js';

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export interface Pipeline {
  server: ScriptedServer | null;
  client: ModelClient;
  engine: Engine;
  service: QuizService;
  worker: Worker;
  /** The pipeline's Prometheus metrics. */
  registry: Registry;
  /** Replaces the scripted model's behaviour (the server stays up). */
  script(fn: ScriptFn): void;
  /** Answers verification calls instead of the honest verifier (null: the honest one again). */
  verifier(fn: ScriptFn | null): void;
  /** stem → correct option texts the honest verifier knows better than the keys it saw. */
  truth: Map<string, readonly string[]>;
  submit(input: BatchRequestInput, key?: string): Promise<BatchView>;
  /** Polls until the batch reaches one of `statuses`. */
  waitFor(batchId: string, statuses: BatchStatus[], timeoutMs?: number): Promise<BatchView>;
  stop(): Promise<void>;
}

export interface PipelineOptions {
  quiz?: Partial<QuizConfig>;
  model?: Partial<ModelConfig>;
  /** No scripted server: e.g. replay mode over fixtures. */
  noServer?: boolean;
  concurrency?: number;
  /**
   * Submit requests that do not say `verify` as they are (the service's default, `best-effort`).
   * Without it the harness submits them with `verify: "off"`: the generation tests count exact
   * calls, and key verification has its own tests (`verification.test.ts`).
   */
  verifyByDefault?: boolean;
  /** Serve the scripted Batch API too (`/v1/files`, `/v1/batches`), scripted by these options. */
  batchApi?: ScriptedBatchOptions;
}

/** The pipeline in strict replay of the shipped cassettes; nothing listens at the base URL. */
export function startReplayPipeline(database: Database): Promise<Pipeline> {
  return startPipeline(database, {
    noServer: true,
    model: { mode: 'replay', model: DEFAULT_MODEL, fixturesDir: resolveFixturesDir({}), baseURL: 'http://127.0.0.1:9/v1' },
    verifyByDefault: true,
  });
}

/** A real engine, worker and batch service over the test database, talking to a scripted model over HTTP. */
export async function startPipeline(database: Database, opts: PipelineOptions = {}): Promise<Pipeline> {
  let current: ScriptFn = () => ({ status: 500, error: { message: 'no script set' } });
  let verifier: ScriptFn | null = null;
  const truth = new Map<string, readonly string[]>();
  // Every script gets an honest verifier in front: verification calls agree with the keys it saw.
  const honest = withVerifier((req) => current(req), truth);
  const answer: ScriptFn = (req) => (verifier !== null && readVerifyAsk(req.body) !== null ? verifier(req) : honest(req));
  const server = opts.noServer ? null : opts.batchApi ? await startScriptedBatchServer(answer, opts.batchApi) : await startScriptedServer(answer);
  const client = createModelClient({
    mode: 'live',
    baseURL: server?.url ?? 'http://127.0.0.1:9/v1',
    apiKey: 'sk-test',
    model: 'scripted-model',
    timeoutMs: 5_000,
    fixturesDir: '/nonexistent',
    ...opts.model,
  });
  const engine = createEngine({
    database,
    config: { retryBaseMs: 50, retryMaxMs: 200, leaseMs: 10_000, heartbeatMs: 2_000, pollMs: 100 },
  });
  const config: QuizConfig = { ...DEFAULT_QUIZ_CONFIG, retryBaseMs: 50, retryMaxMs: 200, ...opts.quiz };
  const registry = new Registry();
  const service = createQuizService({ engine, database, modelClient: client, config, metrics: createQuizMetrics(registry) });
  const worker = engine.createWorker({ tasks: service.tasks(), concurrency: opts.concurrency ?? 2, pollMs: 100 });
  await worker.start();
  return {
    server,
    client,
    engine,
    service,
    worker,
    registry,
    script(fn) {
      current = fn;
    },
    verifier(fn) {
      verifier = fn;
    },
    truth,
    async submit(input, key) {
      const request = BatchRequestSchema.parse(opts.verifyByDefault === true || input.verify !== undefined ? input : { ...input, verify: 'off' });
      const res = await service.submit(request, key === undefined ? {} : { idempotencyKey: key });
      return res.batch;
    },
    async waitFor(batchId, statuses, timeoutMs = 15_000) {
      const until = Date.now() + timeoutMs;
      for (;;) {
        const view = await service.get(batchId);
        if (view && statuses.includes(view.status)) return view;
        if (Date.now() > until) throw new Error(`batch ${batchId} did not reach ${statuses.join('|')}: ${JSON.stringify(view?.jobs)}`);
        await sleep(50);
      }
    },
    async stop() {
      await worker.stop({ graceMs: 1_000 });
      await engine.close();
      await server?.close();
    },
  };
}

/** Event types of a batch's journal, in order. */
export async function batchEventTypes(database: Database, batchId: string): Promise<string[]> {
  const rows = await queryRows(database.db, sql`select type from job_events where group_id = ${batchId} order by id`);
  return rows.map((r) => String(r.type));
}

/** Model-call rows of a job, oldest first, as plain objects (for asserting what was recorded). */
export async function callsOf(database: Database, jobId: number): Promise<Array<Record<string, unknown>>> {
  return queryRows(database.db, sql`select * from model_calls where job_id = ${jobId} order by id`);
}

/** A batch's questions as single-answer ones; fails the test if any has another type. */
export function singles(questions: readonly AnyQuestion[] | null): SingleQuestion[] {
  return (questions ?? []).map((q) => {
    if ('type' in q) throw new Error(`expected single questions; got type ${q.type}`);
    return q;
  });
}
