import { sql } from 'drizzle-orm';
import { Registry } from 'prom-client';
import type { Database } from '../../src/db/client.js';
import { queryOne, toInt } from '../../src/db/rows.js';
import { createApp, type QuizforgeApp } from '../../src/http/app.js';
import type { AppDeps, EventFeed, QuizApi } from '../../src/http/deps.js';
import { createEngine, type Engine, type Worker } from '../../src/engine/index.js';
import { createLogger } from '../../src/log.js';
import { createModelClient } from '../../src/model/client.js';
import { startScriptedServer, type ScriptFn, type ScriptedServer } from '../../src/model/scripted-server.js';
import { DEFAULT_QUIZ_CONFIG } from '../../src/quiz/config.js';
import { answerText, demoQuestion, readAsk } from '../../src/quiz/demo-model.js';
import { createQuizService, type QuizService } from '../../src/quiz/service.js';

export const API_KEY = 'test-api-key-0123456789';
export const ADMIN_KEY = 'test-admin-key-9876543210';
export const bearer = (key: string) => ({ authorization: `Bearer ${key}` });
export const json = (body: unknown, headers: Record<string, string> = {}) => ({
  method: 'POST',
  headers: { 'content-type': 'application/json', ...headers },
  body: typeof body === 'string' ? body : JSON.stringify(body),
});

/** Thrown by the refusal doubles: a request that reaches them was not refused early enough. */
export class ReachedError extends Error {}

/**
 * A QuizApi for tests of refusals that must happen before the service is asked (auth, body
 * limit, malformed input): every call fails loudly, and the test sees a 500.
 */
export function unreachableQuiz(): QuizApi {
  const no = () => Promise.reject(new ReachedError('the quiz service must not be reached'));
  return { submit: no, usage: no, get: no, cancel: no, remove: no, list: no, dlqList: no, dlqGet: no, dlqReplay: no, dlqDiscard: no, dlqAccept: no, batchOwners: no };
}

export function unreachableFeed(): EventFeed {
  return {
    readAfter: () => Promise.reject(new ReachedError('the event feed must not be reached')),
    subscribe: () => () => undefined,
  };
}

export interface Built {
  app: QuizforgeApp;
  registry: Registry;
  request(path: string, init?: RequestInit): Promise<Response>;
}

/** Builds the app as `serve` would, with keys configured unless `auth` says otherwise. */
export function buildApp(
  parts: { database: Database; quiz: QuizApi; events: EventFeed } & Partial<Omit<AppDeps, 'quiz' | 'database' | 'engine'>>,
): Built {
  const registry = parts.registry ?? new Registry();
  const app = createApp({
    quiz: parts.quiz,
    engine: { events: parts.events },
    database: parts.database,
    registry,
    logger: parts.logger ?? createLogger({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }),
    auth: parts.auth ?? { apiKeys: [API_KEY], adminKeys: [ADMIN_KEY] },
    ...(parts.bodyLimitBytes === undefined ? {} : { bodyLimitBytes: parts.bodyLimitBytes }),
    ...(parts.rateLimits === undefined ? {} : { rateLimits: parts.rateLimits }),
    ...(parts.sse === undefined ? {} : { sse: parts.sse }),
    ...(parts.pages === undefined ? {} : { pages: parts.pages }),
    ...(parts.sources === undefined ? {} : { sources: parts.sources }),
  });
  return { app, registry, request: async (path, init) => app.request(path, init) };
}

/** The envelope of an error response, asserting it is one. */
export async function errorOf(res: Response): Promise<{ code: string; message: string; issues?: Array<{ path: string; message: string }> }> {
  const body = (await res.json()) as { error?: { code: string; message: string; issues?: Array<{ path: string; message: string }> } };
  if (!body.error) throw new Error(`not an error envelope: ${JSON.stringify(body)}`);
  return body.error;
}

/** The real engine, batch service and a worker, talking to the scripted model over HTTP. */
export interface QuizStack {
  engine: Engine;
  service: QuizService;
  worker: Worker;
  model: ScriptedServer;
  /** Replaces the scripted model's behaviour. */
  script(fn: ScriptFn): void;
  stop(): Promise<void>;
}

/** Valid questions for whatever the request asks; the default behaviour of the scripted model. */
export const answerAll: ScriptFn = ({ body, n }) => {
  const ask = readAsk(body);
  const qs = Array.from({ length: ask.count }, (_, i) => demoQuestion(ask.topic, n * 100 + i, ask.options, 1));
  return { content: answerText(qs), usage: { promptTokens: 10, completionTokens: 20 } };
};

/** Garbage for topics containing "Poison" (so their chunks end in the DLQ), valid questions otherwise. */
export const poisonAware: ScriptFn = (req) =>
  JSON.stringify(req.body.messages).includes('Poison') ? { content: '{"questions": "nope"}' } : answerAll(req);

export async function startQuizStack(database: Database, opts: { worker?: boolean } = {}): Promise<QuizStack> {
  let current: ScriptFn = answerAll;
  const model = await startScriptedServer((req) => current(req));
  const modelClient = createModelClient({
    mode: 'live',
    baseURL: model.url,
    apiKey: 'sk-test',
    model: 'scripted-model',
    timeoutMs: 5_000,
    fixturesDir: '/nonexistent',
  });
  const engine = createEngine({ database, config: { retryBaseMs: 20, retryMaxMs: 100, pollMs: 50 } });
  const service = createQuizService({ engine, database, modelClient, config: { ...DEFAULT_QUIZ_CONFIG, retryBaseMs: 20, retryMaxMs: 100 } });
  const worker = engine.createWorker({ tasks: service.tasks(), concurrency: 2, pollMs: 50 });
  if (opts.worker !== false) await worker.start();
  return {
    engine,
    service,
    worker,
    model,
    script(fn) {
      current = fn;
    },
    async stop() {
      await worker.stop({ graceMs: 1_000 });
      await engine.close();
      await model.close();
    },
  };
}

/** Rows left behind for one batch, table by table. */
export async function leftovers(database: Database, id: string) {
  const row = await queryOne(
    database.db,
    sql`SELECT (SELECT count(*) FROM batches WHERE id = ${id})::int AS batches,
               (SELECT count(*) FROM jobs WHERE group_id = ${id})::int AS jobs,
               (SELECT count(*) FROM job_dependencies d JOIN jobs j ON j.id = d.job_id WHERE j.group_id = ${id})::int AS deps,
               (SELECT count(*) FROM job_events WHERE group_id = ${id})::int AS events,
               (SELECT count(*) FROM model_calls WHERE batch_id = ${id})::int AS calls,
               (SELECT count(*) FROM questions WHERE batch_id = ${id})::int AS questions`,
  );
  const n = (k: string) => toInt(row?.[k], k);
  return { batches: n('batches'), jobs: n('jobs'), deps: n('deps'), events: n('events'), calls: n('calls'), questions: n('questions') };
}
