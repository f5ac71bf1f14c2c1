import type { Hono } from 'hono';
import { AcceptBodySchema, ListQuerySchema, ReplayBodySchema } from '../../../schemas/api.js';
import { requestScope, requireAuth } from '../auth.js';
import type { QuizApi } from '../deps.js';
import type { AppEnv } from '../env.js';
import { notFound } from '../errors.js';
import { jobIdParam, readJson, readQuery } from '../validate.js';

function stateOf(result: unknown): { state?: string } {
  const state = (result as { state?: unknown } | null | undefined)?.state;
  return typeof state === 'string' ? { state } : {};
}

/** The dead-letter queue (the caller's tenant's): browse and inspect with an API key; replay and discard need admin. */
export function registerDlqRoutes(app: Hono<AppEnv>, quiz: QuizApi): void {
  app.get('/v1/dlq', async (c) => {
    const { cursor, limit } = readQuery(c, ListQuerySchema);
    return c.json(await quiz.dlqList(cursor === undefined ? { limit } : { cursor, limit }, requestScope(c)));
  });

  app.get('/v1/dlq/:id', async (c) => {
    const entry = await quiz.dlqGet(jobIdParam(c), requestScope(c));
    if (!entry) throw notFound('dead job');
    return c.json(entry);
  });

  app.post('/v1/dlq/:id/replay', requireAuth('admin'), async (c) => {
    const id = jobIdParam(c);
    const body = await readJson(c, ReplayBodySchema, { emptyAs: {} });
    const opts = Object.fromEntries(Object.entries(body).filter(([, v]) => v !== undefined));
    const result = await quiz.dlqReplay(id, opts, requestScope(c));
    return c.json({ id, action: 'replayed' as const, ...stateOf(result) }, 202);
  });

  app.post('/v1/dlq/:id/accept', requireAuth('admin'), async (c) => {
    const id = jobIdParam(c);
    const { questions } = await readJson(c, AcceptBodySchema);
    const p = c.var.principal;
    const result = await quiz.dlqAccept(id, questions, `${p.scope} via ${p.via}`, requestScope(c));
    return c.json({ id, action: 'accepted' as const, ...stateOf(result) }, 200);
  });

  app.post('/v1/dlq/:id/discard', requireAuth('admin'), async (c) => {
    const id = jobIdParam(c);
    const result = await quiz.dlqDiscard(id, requestScope(c));
    return c.json({ id, action: 'discarded' as const, ...stateOf(result) }, 200);
  });
}
