import type { Hono } from 'hono';
import type { Registry } from 'prom-client';
import type { z } from 'zod';
import type { ReadinessSchema } from '../../../schemas/api.js';
import type { Database } from '../../db/client.js';
import { checkDatabase, isReady } from '../../db/health.js';
import { requireAuth } from '../auth.js';
import type { AppEnv } from '../env.js';
import { buildOpenApiDocument } from '../openapi.js';

/** Probes, metrics and the API description: what operators and generators read. */
export function registerOpsRoutes(app: Hono<AppEnv>, deps: { database: Database; registry: Registry }): void {
  app.get('/healthz', (c) => c.json({ status: 'ok' as const }));

  app.get('/readyz', async (c) => {
    const health = await checkDatabase(deps.database);
    const body: z.output<typeof ReadinessSchema> = {
      status: isReady(health) ? 'ready' : 'not_ready',
      checks: { database: health.reachable ? 'ok' : 'unreachable', migrations: health.migrations },
    };
    c.header('Cache-Control', 'no-store');
    return c.json(body, body.status === 'ready' ? 200 : 503);
  });

  // Metrics reveal queue sizes and traffic: behind an API key when keys are configured
  // (Prometheus sends it with `authorization: { credentials: … }`).
  app.get('/metrics', requireAuth('api'), async (c) => {
    const text = await deps.registry.metrics();
    return c.body(text, 200, { 'Content-Type': deps.registry.contentType });
  });

  let openapi: string | null = null;
  app.get('/openapi.json', (c) => {
    openapi ??= JSON.stringify(buildOpenApiDocument());
    return c.body(openapi, 200, { 'Content-Type': 'application/json; charset=UTF-8' });
  });
}
