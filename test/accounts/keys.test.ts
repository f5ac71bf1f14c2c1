import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { hashKey, ManagedKeys } from '../../src/accounts/index.js';
import { queryRows } from '../../src/db/rows.js';
import { runCli } from '../helpers/cli.js';
import { useTestDatabase } from '../helpers/db.js';
import { urlFor, withAdmin } from '../helpers/pg-admin.js';
import { bearer, buildApp, errorOf, json, startQuizStack } from '../http/harness.js';

/** Managed keys end to end: the CLI makes, lists and revokes them; the API accepts them as their tenant. */
const db = useTestDatabase();
const env = () => ({ DATABASE_URL: db().url });
const keys = (...argv: string[]) => runCli(['keys', ...argv], env());

interface Created {
  id: string;
  tenant: string;
  key: string;
  admin: boolean;
}
const create = async (...argv: string[]): Promise<Created> => {
  const run = await keys('create', '--json', ...argv);
  expect(run.code, run.stderr).toBe(0);
  return JSON.parse(run.stdout) as Created;
};
const managedApp = (ttlMs?: number) =>
  buildApp({
    database: db().database,
    quiz: stackService(),
    events: { readAfter: async () => [], subscribe: () => () => undefined },
    auth: { apiKeys: [], adminKeys: [], managedKeys: true, ...(ttlMs === undefined ? {} : { keyCacheTtlMs: ttlMs }) },
  });
let service: Awaited<ReturnType<typeof startQuizStack>> | null = null;
const stackService = () => {
  if (!service) throw new Error('stack not started');
  return service.service;
};

describe('quizforge keys', () => {
  it('create prints the key once (--json: id, tenant, key, admin); the database keeps only its SHA-256', async () => {
    const k = await create('--tenant', 'acme', '--label', 'CI robot');
    expect(Object.keys(k).sort()).toEqual(['admin', 'id', 'key', 'tenant']);
    expect(k).toMatchObject({ tenant: 'acme', admin: false });
    expect(k.key).toMatch(/^qf_[A-Za-z0-9_-]{43}$/);
    const rows = await queryRows(db().database.db, sql`select * from api_keys where id = ${k.id}`);
    expect(rows).toHaveLength(1);
    expect(rows[0]?.key_hash).toBe(hashKey(k.key));
    expect(JSON.stringify(rows)).not.toContain(k.key.slice(3));
    const plain = await keys('create', '--tenant', 'acme');
    expect(plain.code).toBe(0);
    expect(plain.stdout.trim()).toMatch(/^qf_\S+$/);
    expect(plain.stderr).toMatch(/shown only this once/);
  });

  it('list shows every key with its tenant, scope, budget and limits, never a secret', async () => {
    const k = await create('--tenant', 'globex', '--admin', '--budget-usd', '12.5', '--per', 'month', '--rate-limit-submit', '3', '--rate-limit-all', '100');
    const listed = await keys('list', '--json');
    expect(listed.code).toBe(0);
    expect(listed.stdout).not.toContain(k.key);
    const items = JSON.parse(listed.stdout) as Array<Record<string, unknown>>;
    expect(items.find((i) => i.id === k.id)).toMatchObject({
      tenant: 'globex',
      admin: true,
      budgetUsd: 12.5,
      budgetPeriod: 'month',
      rateLimitSubmit: 3,
      rateLimitAll: 100,
      revokedAt: null,
    });
    expect(items.every((i) => !('key' in i) && !('keyHash' in i))).toBe(true);
    const text = await keys('list', '--tenant', 'globex');
    expect(text.stdout).toContain(k.id);
    expect(text.stdout).toMatch(/admin .*budget=\$12\.5\/month submit=3\/min all=100\/min/);
    expect(text.stdout).not.toContain(k.key);
  });

  it.each([
    [['create'], /--tenant/],
    [['create', '--tenant', 'Not Valid'], /--tenant: must be/],
    [['create', '--tenant', 'acme', '--budget-usd', '5'], /--per/],
    [['create', '--tenant', 'acme', '--per', 'week', '--budget-usd', '5'], /--per must be day or month/],
    [['create', '--tenant', 'acme', '--per', 'day'], /--per needs --budget-usd/],
    [['create', '--tenant', 'acme', '--budget-usd=-1', '--per', 'day'], /--budget-usd must be/],
    [['create', '--tenant', 'acme', '--rate-limit-all', '0'], /--rate-limit-all must be an integer >= 1/],
    [['create', '--tenant', 'acme', '--label', 'x'.repeat(201)], /--label/],
    [['revoke'], /needs a key ID/],
    [['rotate'], /unknown subcommand/],
  ])('refuses %j with exit 2 naming the flag', async (argv, message) => {
    const before = (await queryRows(db().database.db, sql`select count(*)::int as n from api_keys`))[0]?.n;
    const run = await keys(...argv);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(message);
    expect((await queryRows(db().database.db, sql`select count(*)::int as n from api_keys`))[0]?.n).toBe(before);
  });

  it('works on a database no service has migrated yet (the first key comes first)', async () => {
    const name = `qf_keys_${process.pid}_${Date.now()}`;
    await withAdmin((c) => c.query(`create database "${name}"`));
    try {
      const run = await runCli(['keys', 'create', '--tenant', 'first', '--json'], { DATABASE_URL: urlFor(name) });
      expect(run.code, run.stderr).toBe(0);
      expect(JSON.parse(run.stdout)).toMatchObject({ tenant: 'first', admin: false });
    } finally {
      await withAdmin((c) => c.query(`drop database if exists "${name}" with (force)`));
    }
  });

  it('revoke of an unknown id exits 1', async () => {
    const run = await keys('revoke', 'key_0000000000000000');
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/no key "key_0000000000000000"/);
  });
});

describe('managed keys on the API', () => {
  it('a created key works as its tenant (admin only with --admin); revoked, it stops on every process within the cache TTL', async () => {
    service = await startQuizStack(db().database, { worker: false });
    try {
      const user = await create('--tenant', 'initech');
      const admin = await create('--tenant', 'initech', '--admin');
      const one = managedApp(300);
      const two = managedApp(300);
      const submitted = await one.request('/v1/batches', json({ topic: 'TPS reports', count: 1 }, bearer(user.key)));
      expect(submitted.status).toBe(202);
      const batchId = ((await submitted.json()) as { id: string }).id;
      expect((await service.service.get(batchId, { tenant: 'initech', all: false }))?.id).toBe(batchId);
      expect(await service.service.get(batchId, { tenant: 'acme', all: false })).toBeNull();
      for (const app of [one, two]) expect((await app.request(`/v1/batches/${batchId}`, { headers: bearer(user.key) })).status).toBe(200);
      // Scope: a plain key may not discard; the tenant's admin key may try (and finds no such dead job).
      expect((await two.request('/v1/dlq/999/discard', { method: 'POST', headers: bearer(user.key) })).status).toBe(403);
      expect((await two.request('/v1/dlq/999/discard', { method: 'POST', headers: bearer(admin.key) })).status).toBe(404);
      expect((await one.request('/v1/batches', { headers: bearer('qf_' + 'A'.repeat(43)) })).status).toBe(401);

      const revoked = await keys('revoke', user.id);
      expect(revoked.code).toBe(0);
      expect(revoked.stdout).toMatch(/within 5 s/);
      // A process that never saw the key refuses it at once; the two that cached it, within their TTL.
      expect((await managedApp().request('/v1/batches', { headers: bearer(user.key) })).status).toBe(401);
      for (const app of [one, two]) {
        await expect.poll(async () => (await app.request(`/v1/batches/${batchId}`, { headers: bearer(user.key) })).status, { timeout: 3000, interval: 50 }).toBe(401);
        const res = await app.request('/v1/batches', { headers: bearer(user.key) });
        expect((await errorOf(res)).code).toBe('unauthorized');
        expect((await app.request(`/v1/batches/${batchId}`, { headers: bearer(admin.key) })).status).toBe(200);
      }
      const listed = JSON.parse((await keys('list', '--json', '--tenant', 'initech')).stdout) as Array<{ id: string; revokedAt: string | null }>;
      expect(listed.find((k) => k.id === user.id)?.revokedAt).not.toBeNull();
      for (const app of [one, two]) await app.app.hub.close();
    } finally {
      await service.stop();
      service = null;
    }
  });

  it("a key's --budget-usd is its tenant's budget: spent, that tenant's submits get 402 while another tenant's go on", async () => {
    service = await startQuizStack(db().database, { worker: false });
    try {
      const broke = await create('--tenant', 'hooli', '--budget-usd', '0', '--per', 'day');
      const other = await create('--tenant', 'piedpiper');
      const app = managedApp();
      const usage = await app.request('/v1/usage', { headers: bearer(broke.key) });
      expect(await usage.json()).toMatchObject({ tenant: 'hooli', budget: { usd: 0, per: 'day' } });
      const refused = await app.request('/v1/batches', json({ topic: 'Compression', count: 1, model: 'gpt-4o-mini' }, bearer(broke.key)));
      expect(refused.status).toBe(402);
      expect((await errorOf(refused)).code).toBe('budget_exhausted');
      const fine = await app.request('/v1/batches', json({ topic: 'Compression', count: 1, model: 'gpt-4o-mini' }, bearer(other.key)));
      expect(fine.status).toBe(202);
      await app.app.hub.close();
    } finally {
      await service.stop();
      service = null;
    }
  });

  it('caches each lookup for the TTL and no longer: a revocation is seen exactly once the TTL has passed', async () => {
    const k = await create('--tenant', 'umbrella');
    let now = 1_000_000;
    const cache = new ManagedKeys(db().database.db, { ttlMs: 5_000, now: () => now });
    expect(await cache.bySecret(k.key)).toMatchObject({ keyId: k.id, tenant: 'umbrella', admin: false });
    expect((await keys('revoke', k.id)).code).toBe(0);
    now += 4_999;
    expect(await cache.bySecret(k.key)).not.toBeNull();
    now += 1;
    expect(await cache.bySecret(k.key)).toBeNull();
    expect(await cache.byId(k.id)).toBeNull();
    expect(await cache.bySecret('not-a-managed-key')).toBeNull();
  });
});
