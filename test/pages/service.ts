import { Registry } from 'prom-client';
import type { Database } from '../../src/db/client.js';
import { createApp, type QuizforgeApp } from '../../src/http/app.js';
import { engineStats, mountPages } from '../../src/http/pages/index.js';
import { startServer, type RunningServer } from '../../src/http/server.js';
import { createLogger } from '../../src/log.js';
import { answerText, demoQuestion, readAsk } from '../../src/quiz/demo-model.js';
import type { ScriptFn } from '../../src/model/scripted-server.js';
import { startPipeline, type Pipeline } from '../quiz/pipeline/harness.js';

export const READ_KEY = 'qf-test-read-key';
export const ADMIN_KEY = 'qf-test-admin-key';

export interface ServiceOptions {
  /** Configure API keys (auth on); default off (loopback-only open mode). */
  keys?: boolean;
  /** More API keys besides READ_KEY when `keys` is on, e.g. `acme:key` ones of other tenants. */
  extraKeys?: string[];
  sse?: { keepAliveMs?: number; retryMs?: number };
  /** `QUIZFORGE_ALLOWED_HOSTS` of the open mode. */
  allowedHosts?: string[];
}

/** The whole service in-process: real engine, worker, quiz service, app with pages, on an ephemeral port. */
export interface Service {
  url: string;
  port: number;
  app: QuizforgeApp;
  pipeline: Pipeline;
  server: RunningServer;
  stop(): Promise<void>;
}

export async function startService(database: Database, opts: ServiceOptions = {}): Promise<Service> {
  const pipeline = await startPipeline(database);
  const logger = createLogger({ level: 'silent' });
  const app = createApp({
    quiz: pipeline.service,
    engine: pipeline.engine,
    database,
    registry: new Registry(),
    logger,
    auth: opts.keys
      ? { apiKeys: [READ_KEY, ...(opts.extraKeys ?? [])], adminKeys: [ADMIN_KEY] }
      : { apiKeys: [], adminKeys: [], ...(opts.allowedHosts ? { allowedHosts: opts.allowedHosts } : {}) },
    ...(opts.sse ? { sse: opts.sse } : {}),
    sources: pipeline.service.sources,
    pages: mountPages({ quiz: pipeline.service, stats: engineStats(pipeline.engine, pipeline.service.tenantStats) }),
  });
  const server = await startServer({ app, logger, host: '127.0.0.1', port: 0, shutdownGraceMs: 500 });
  return {
    url: server.url,
    port: server.port,
    app,
    pipeline,
    server,
    async stop() {
      await server.close();
      await pipeline.stop();
    },
  };
}

/** Posts the login form as a same-origin browser would; the response carries the session cookie on success. */
export async function postLogin(app: QuizforgeApp, key: string, next = '/'): Promise<Response> {
  return app.request('http://127.0.0.1/login', {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', origin: 'http://127.0.0.1', host: '127.0.0.1' },
    body: new URLSearchParams({ key, next }).toString(),
  });
}

/** A model that answers every ask with well-formed questions. */
export const goodModel: ScriptFn = ({ body }) => {
  const ask = readAsk(body);
  const questions = Array.from({ length: ask.count }, (_, i) => demoQuestion(ask.topic, (ask.failing[i] ?? i) + 1, ask.options));
  return { content: answerText(questions) };
};

export const HOSTILE_SCRIPT = '<script>window.__pwned=1</script>';
export const HOSTILE_IMG = '<img src=x onerror="window.__pwned=2">';

/**
 * A model whose answer carries markup meant to run in whoever renders it, and breaks a rule
 * (answer index out of range) so the chunk is dead-lettered with that output in its transcript.
 */
export const hostileModel: ScriptFn = ({ body }) => {
  const ask = readAsk(body);
  const questions = Array.from({ length: ask.count }, (_, i) => ({
    ...demoQuestion(ask.topic, i + 1, ask.options),
    question: `Which tag is this? ${HOSTILE_SCRIPT} ${HOSTILE_IMG} (item ${i + 1})`,
    correctAnswer: 7,
  }));
  return { content: answerText(questions) };
};

/** Section ids and texts of the material turn a grounded ask carries (none without a source). */
function materialSections(body: Parameters<ScriptFn>[0]['body']): Array<{ id: string; text: string }> {
  const material = body.messages.map((m) => (typeof m.content === 'string' ? m.content : '')).find((t) => t.includes('<material>')) ?? '';
  return [...material.matchAll(/<section id="(s\d+)"[^>]*>\n([\s\S]*?)\n<\/section>/g)].map((m) => ({ id: m[1] ?? '', text: m[2] ?? '' }));
}

/** `goodModel`, except that each question quotes the material (its first words) as evidence. */
export const groundedModel: ScriptFn = (req) => {
  const ask = readAsk(req.body);
  const sections = materialSections(req.body);
  if (sections.length === 0) return goodModel(req);
  const questions = Array.from({ length: ask.count }, (_, i) => {
    const s = sections[i % Math.max(1, sections.length)] ?? { id: 's1', text: '' };
    return { ...demoQuestion(ask.topic, (ask.failing[i] ?? i) + 1, ask.options), evidence: { quote: s.text.trim().slice(0, 40).trim(), sectionId: s.id } };
  });
  return { content: answerText(questions) };
};
