import { Registry } from 'prom-client';
import { afterAll, describe, expect, it } from 'vitest';
import { BatchRequestSchema, HealthSchema, ReadinessSchema } from '../../schemas/api.js';
import { openDatabase } from '../../src/db/client.js';
import { createEngine, createEngineMetrics } from '../../src/engine/index.js';
import { useTestDatabase } from '../helpers/db.js';
import { urlFor, withAdmin } from '../helpers/pg-admin.js';
import { API_KEY, bearer, buildApp, unreachableFeed, unreachableQuiz } from './harness.js';

const db = useTestDatabase();
const build = (database = db().database, registry?: Registry) =>
  buildApp({ database, quiz: unreachableQuiz(), events: unreachableFeed(), ...(registry ? { registry } : {}) });

type Json = Record<string, unknown>;

describe('GET /healthz and /readyz', () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterAll(async () => {
    for (const c of cleanups) await c();
  });

  it('healthz answers ok without touching the database', async () => {
    const res = await build().request('/healthz');
    expect(res.status).toBe(200);
    expect(HealthSchema.parse(await res.json())).toEqual({ status: 'ok' });
  });

  it('readyz is 200 on a migrated database', async () => {
    const res = await build().request('/readyz');
    expect(res.status).toBe(200);
    const body = ReadinessSchema.parse(await res.json());
    expect(body.status).toBe('ready');
    expect(body.checks.migrations?.pending).toEqual([]);
    expect(body.checks.migrations?.applied).toBe(body.checks.migrations?.expected);
  });

  it('readyz is 503 naming the pending migrations on an unmigrated database', async () => {
    const name = `qf_t_unmigrated_${process.pid}_${Date.now()}`;
    await withAdmin((c) => c.query(`create database "${name}"`));
    const database = await openDatabase({ url: urlFor(name) });
    cleanups.push(async () => {
      await database.close();
      await withAdmin((c) => c.query(`drop database if exists "${name}" with (force)`));
    });
    const res = await build(database).request('/readyz');
    expect(res.status).toBe(503);
    const body = ReadinessSchema.parse(await res.json());
    expect(body.checks.database).toBe('ok');
    expect(body.checks.migrations?.applied).toBe(0);
    expect(body.checks.migrations?.pending[0]).toBe('0000_init');
  });

  it('readyz is 503 (not 500) when the database is unreachable', async () => {
    const database = await openDatabase({ url: 'postgres://postgres@127.0.0.1:1/nothing' });
    cleanups.push(() => database.close());
    const res = await build(database).request('/readyz');
    expect(res.status).toBe(503);
    expect(ReadinessSchema.parse(await res.json())).toEqual({
      status: 'not_ready',
      checks: { database: 'unreachable', migrations: null },
    });
  });
});

describe('GET /metrics', () => {
  it('exposes HTTP latency by route pattern (never the raw path) beside the engine metrics', async () => {
    const registry = new Registry();
    const metrics = createEngineMetrics(registry);
    const engine = createEngine({ database: db().database, metrics });
    try {
      const { request } = build(db().database, registry);
      await request('/v1/dlq/x12345', { headers: bearer(API_KEY) });
      await request('/v1/batches/abc%20def', { headers: bearer(API_KEY) });
      await request('/no/such/path/with-a-unique-id-777');
      const res = await request('/metrics', { headers: bearer(API_KEY) });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
      const text = await res.text();
      expect(text).toMatch(/quizforge_http_request_duration_seconds_bucket\{[^}]*route="\/v1\/dlq\/:id",method="GET",status="404"/);
      expect(text).toMatch(/route="\/v1\/batches\/:id"/);
      expect(text).not.toContain('12345');
      expect(text).not.toContain('unique-id-777');
      expect(text).toContain('quizforge_jobs_claimed_total');
      expect(text).toMatch(/quizforge_jobs\{/);
    } finally {
      await engine.close();
    }
  });

  it('two apps on one registry share the histogram instead of throwing', () => {
    const registry = new Registry();
    build(db().database, registry);
    expect(() => build(db().database, registry)).not.toThrow();
  });
});

describe('GET /openapi.json', () => {
  const fetchDoc = async () => {
    const res = await build().request('/openapi.json');
    expect(res.status).toBe(200);
    return (await res.json()) as Json;
  };

  it('is OpenAPI 3.1 and really contains the batch request properties', async () => {
    const doc = await fetchDoc();
    expect(doc.openapi).toBe('3.1.0');
    const schemas = (doc.components as Json).schemas as Record<string, Json>;
    const request = schemas.BatchRequest!;
    expect(request.type).toBe('object');
    expect(Object.keys(request.properties as Json).sort()).toEqual(Object.keys(BatchRequestSchema.shape).sort());
    expect(request.required).toEqual(expect.arrayContaining(['count']));
    // topic may be left out when a source is given (it defaults to the source's title).
    expect(request.required).not.toContain('topic');
    expect(request.additionalProperties).toBe(false);
    const count = (request.properties as Record<string, Json>).count!;
    expect(count).toMatchObject({ type: 'integer', minimum: 1, maximum: 50 });
    const batch = schemas.Batch!;
    expect(Object.keys(batch.properties as Json)).toEqual(
      expect.arrayContaining(['id', 'status', 'request', 'questions', 'jobs', 'usage', 'createdAt', 'updatedAt']),
    );
    expect(Object.keys(((schemas.Error!.properties as Json).error as Json).properties as Json)).toEqual(['code', 'message', 'issues']);
  });

  it('documents every route, and every $ref resolves', async () => {
    const doc = await fetchDoc();
    expect(Object.keys(doc.paths as Json).sort()).toEqual(
      [
        '/healthz',
        '/metrics',
        '/openapi.json',
        '/readyz',
        '/v1/batches',
        '/v1/batches/{id}',
        '/v1/batches/{id}/cancel',
        '/v1/batches/{id}/events',
        '/v1/batches/{id}/export',
        '/v1/dlq',
        '/v1/dlq/{id}',
        '/v1/dlq/{id}/accept',
        '/v1/dlq/{id}/discard',
        '/v1/dlq/{id}/replay',
        '/v1/events',
        '/v1/sources',
        '/v1/sources/{id}',
        '/v1/usage',
      ].sort(),
    );
    const refs: string[] = [];
    const walk = (node: unknown): void => {
      if (Array.isArray(node)) node.forEach(walk);
      else if (node && typeof node === 'object') {
        for (const [k, v] of Object.entries(node)) {
          if (k === '$ref' && typeof v === 'string') refs.push(v);
          else walk(v);
        }
      }
    };
    walk(doc);
    expect(refs.length).toBeGreaterThan(10);
    const schemas = (doc.components as Json).schemas as Json;
    for (const ref of refs) {
      expect(ref).toMatch(/^#\/components\/schemas\//);
      expect(schemas[ref.slice('#/components/schemas/'.length)], ref).toBeDefined();
    }
    for (const [name, schema] of Object.entries(schemas)) {
      expect(Object.keys(schema as Json).length, `component ${name} is empty`).toBeGreaterThan(0);
    }
  });
});
