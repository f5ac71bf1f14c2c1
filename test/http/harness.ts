import { Registry } from 'prom-client';
import type { Database } from '../../src/db/client.js';
import { createApp, type QuizforgeApp } from '../../src/http/app.js';
import type { AppDeps, EventFeed, QuizApi } from '../../src/http/deps.js';
import { createLogger } from '../../src/log.js';

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
  return { submit: no, get: no, list: no, dlqList: no, dlqGet: no, dlqReplay: no, dlqDiscard: no };
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
    ...(parts.sse === undefined ? {} : { sse: parts.sse }),
    ...(parts.pages === undefined ? {} : { pages: parts.pages }),
  });
  return { app, registry, request: async (path, init) => app.request(path, init) };
}

/** The envelope of an error response, asserting it is one. */
export async function errorOf(res: Response): Promise<{ code: string; message: string; issues?: Array<{ path: string; message: string }> }> {
  const body = (await res.json()) as { error?: { code: string; message: string; issues?: Array<{ path: string; message: string }> } };
  if (!body.error) throw new Error(`not an error envelope: ${JSON.stringify(body)}`);
  return body.error;
}
