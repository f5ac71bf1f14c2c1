import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { Authenticator, authConfigFrom, clearSessionCookie, issueSessionCookie, SESSION_COOKIE } from '../../src/http/auth.js';
import { useTestDatabase } from '../helpers/db.js';
import { ADMIN_KEY, API_KEY, bearer, buildApp, errorOf, unreachableFeed, unreachableQuiz } from './harness.js';

const db = useTestDatabase();

describe('Authenticator', () => {
  const auth = new Authenticator({ apiKeys: ['k-api', 'k-both'], adminKeys: ['k-admin', 'k-both'], sessionSecret: 's3cret' });

  const scopeOf = async (key: string) => (await auth.checkKey(key))?.scope ?? null;

  it('grants api, admin, or nothing; a key in both lists is admin', async () => {
    expect(await scopeOf('k-api')).toBe('api');
    expect(await scopeOf('k-admin')).toBe('admin');
    expect(await scopeOf('k-both')).toBe('admin');
    expect(await scopeOf('k-ap')).toBeNull();
    expect(await scopeOf('')).toBeNull();
  });

  it('names the tenant of tenant:key entries; bare keys are tenant default', async () => {
    const tenants = new Authenticator({ apiKeys: ['acme:k-acme', 'k-plain', 'Not A Tenant:k-odd'], adminKeys: ['globex:k-gadmin'] });
    expect(await tenants.checkKey('k-acme')).toMatchObject({ scope: 'api', tenant: 'acme' });
    expect(await tenants.checkKey('acme:k-acme')).toBeNull();
    expect(await tenants.checkKey('k-plain')).toMatchObject({ scope: 'api', tenant: 'default' });
    expect(await tenants.checkKey('Not A Tenant:k-odd')).toMatchObject({ scope: 'api', tenant: 'default' });
    expect(await tenants.checkKey('k-gadmin')).toMatchObject({ scope: 'admin', tenant: 'globex' });
  });

  it('issues sessions only for valid keys and verifies them', async () => {
    expect(await auth.issueSession('nope')).toBeNull();
    const token = await auth.issueSession('k-admin');
    expect(token).not.toBeNull();
    expect((await auth.checkSession(token!))?.scope).toBe('admin');
    expect(token).not.toContain('k-admin');
  });

  it('rejects tampered, expired and revoked sessions', async () => {
    const token = (await auth.issueSession('k-api'))!;
    const parts = token.split('.');
    expect(await auth.checkSession([parts[0], parts[1], String(Number(parts[2]) + 9999), parts[3]].join('.'))).toBeNull();
    expect(await auth.checkSession(token.slice(0, -2) + (token.endsWith('A') ? 'BB' : 'AA'))).toBeNull();
    expect(await auth.checkSession('garbage')).toBeNull();
    expect(await auth.checkSession(token, Date.now() + 13 * 3600 * 1000)).toBeNull();
    const withoutKey = new Authenticator({ apiKeys: ['other'], adminKeys: [], sessionSecret: 's3cret' });
    expect(await withoutKey.checkSession(token)).toBeNull();
    const otherSecret = new Authenticator({ apiKeys: ['k-api'], adminKeys: [], sessionSecret: 'different' });
    expect(await otherSecret.checkSession(token)).toBeNull();
  });

  it('reads comma-separated keys from the environment', () => {
    expect(authConfigFrom(loadConfig({ QUIZFORGE_API_KEYS: ' a, b ,,', QUIZFORGE_ADMIN_KEYS: 'c' }))).toEqual({ apiKeys: ['a', 'b'], adminKeys: ['c'] });
    expect(authConfigFrom(loadConfig({}))).toEqual({ apiKeys: [], adminKeys: [] });
  });
});

describe('auth on routes', () => {
  const build = (auth?: { apiKeys: string[]; adminKeys: string[] }) =>
    buildApp({
      database: db().database,
      quiz: unreachableQuiz(),
      events: unreachableFeed(),
      ...(auth ? { auth } : {}),
      pages: (app) => {
        app.post('/test-login', async (c) => {
          const scope = await issueSessionCookie(c, await c.req.text());
          return c.json({ scope }, scope ? 200 : 401);
        });
        app.post('/test-logout', (c) => {
          clearSessionCookie(c);
          return c.body(null, 204);
        });
      },
    });

  it('401 with a Bearer challenge when the key is missing or wrong', async () => {
    const { request } = build();
    for (const headers of [{}, bearer('wrong'), { authorization: 'Basic abc' }, { authorization: 'Bearer' }]) {
      const res = await request('/v1/batches', { headers });
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toMatch(/^Bearer/);
      expect((await errorOf(res)).code).toBe('unauthorized');
    }
  });

  it('guards /metrics with an API key; probes and the OpenAPI document stay open', async () => {
    const { request } = build();
    expect((await request('/metrics')).status).toBe(401);
    expect((await request('/metrics', { headers: bearer(API_KEY) })).status).toBe(200);
    expect((await request('/metrics', { headers: bearer(ADMIN_KEY) })).status).toBe(200);
    expect((await request('/healthz')).status).toBe(200);
    expect((await request('/openapi.json')).status).toBe(200);
  });

  it('403 for an API key on admin actions, before the service is asked', async () => {
    const { request } = build();
    for (const action of ['replay', 'discard']) {
      const res = await request(`/v1/dlq/1/${action}`, { method: 'POST', headers: bearer(API_KEY) });
      expect(res.status).toBe(403);
      expect((await errorOf(res)).code).toBe('forbidden');
    }
  });

  it('a session cookie from the login hook authenticates; forged ones do not; logout clears it', async () => {
    const { request } = build();
    expect((await request('/test-login', { method: 'POST', body: 'bad-key' })).status).toBe(401);
    const login = await request('/test-login', { method: 'POST', body: API_KEY });
    expect(login.status).toBe(200);
    const setCookie = login.headers.get('set-cookie') ?? '';
    expect(setCookie).toMatch(new RegExp(`^${SESSION_COOKIE}=`));
    expect(setCookie).toMatch(/HttpOnly/);
    expect(setCookie).toMatch(/SameSite=Strict/);
    const cookie = setCookie.split(';')[0]!;
    expect((await request('/metrics', { headers: { cookie } })).status).toBe(200);
    expect((await request('/metrics', { headers: { cookie: `${cookie}x` } })).status).toBe(401);
    // api scope via cookie still cannot replay
    const replay = await request('/v1/dlq/1/replay', { method: 'POST', headers: { cookie } });
    expect(replay.status).toBe(403);
    const logout = await request('/test-logout', { method: 'POST' });
    expect(logout.headers.get('set-cookie')).toMatch(/Max-Age=0/);
  });

  it('refuses cookie-authenticated writes from another origin', async () => {
    const { request } = build();
    const login = await request('/test-login', { method: 'POST', body: ADMIN_KEY });
    const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0]!;
    const res = await request('http://localhost/v1/dlq/1/replay', {
      method: 'POST',
      headers: { cookie, origin: 'https://evil.example', host: 'localhost' },
    });
    expect(res.status).toBe(403);
  });

  it('with no keys configured everything is open', async () => {
    const { request } = build({ apiKeys: [], adminKeys: [] });
    expect((await request('/metrics')).status).toBe(200);
    const login = await request('/test-login', { method: 'POST', body: 'anything' });
    expect(login.status).toBe(401);
  });
});
