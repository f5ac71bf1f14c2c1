import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useTestDatabase } from '../helpers/db.js';
import { ADMIN_KEY, HOSTILE_IMG, HOSTILE_SCRIPT, READ_KEY, hostileModel, postLogin, startService, type Service } from './service.js';

const getDb = useTestDatabase();
let svc: Service;
let deadJobId: number;

const req = (path: string, init: RequestInit = {}) => svc.app.request(`http://127.0.0.1${path}`, init);

async function login(key: string): Promise<string> {
  const res = await postLogin(svc.app, key, '/dlq');
  expect(res.status).toBe(303);
  const cookie = res.headers.get('set-cookie') ?? '';
  expect(cookie).toMatch(/^qf_session=/);
  expect(cookie).toMatch(/HttpOnly/i);
  expect(cookie).toMatch(/SameSite=Strict/i);
  return cookie.split(';')[0] ?? '';
}

beforeAll(async () => {
  svc = await startService(getDb().database, { keys: true });
  svc.pipeline.script(hostileModel);
  const batch = await svc.pipeline.submit({ topic: 'Hostile markup', count: 2, maxAttempts: 1 });
  const done = await svc.pipeline.waitFor(batch.id, ['failed']);
  const dead = done.jobs.find((j) => j.state === 'dead');
  if (!dead) throw new Error('expected a dead job');
  deadJobId = dead.id;
});
afterAll(async () => {
  await svc?.stop();
});

describe('pages: auth', () => {
  it('sends a visitor without a session to the login form, and answers the JSON summary with 401', async () => {
    const page = await req('/dlq?cursor=x');
    expect(page.status).toBe(303);
    expect(page.headers.get('location')).toBe('/login?next=%2Fdlq%3Fcursor%3Dx');
    expect((await req('/dashboard.json')).status).toBe(401);
    const form = await req('/login');
    expect(form.status).toBe(200);
    expect(await form.text()).toContain('name="key"');
  });

  it('refuses an unknown key and never redirects off-site after login', async () => {
    const bad = await req('/login', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'key=nope&next=%2F',
    });
    expect(bad.status).toBe(401);
    expect(bad.headers.get('set-cookie')).toBeNull();
    const offsite = await req('/login', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ key: READ_KEY, next: '//evil.example/' }).toString(),
    });
    expect(offsite.headers.get('location')).toBe('/');
  });

  it("the dashboard shows the tenant's spend this period; an unpriced model's cost is not shown as $0", async () => {
    const cookie = await login(READ_KEY);
    const html = await (await req('/', { headers: { cookie } })).text();
    expect(html).toContain('id="spend"');
    // The hostile batch's calls used `scripted-model`, which no price table knows.
    expect(html).toMatch(/data-spend="spent">\$0\.0* \+ unpriced no budget</);
    expect(html).toMatch(/data-spend="tokens">[1-9][0-9]*</);
  });

  it('a session works on the pages and on the API the dashboard streams from; logout ends it', async () => {
    const cookie = await login(READ_KEY);
    expect((await req('/', { headers: { cookie } })).status).toBe(200);
    const summary = await req('/dashboard.json', { headers: { cookie } });
    expect(summary.status).toBe(200);
    const body = (await summary.json()) as { counts: Record<string, number> };
    expect(body.counts.dead).toBeGreaterThanOrEqual(1);
    expect((await req('/v1/dlq', { headers: { cookie } })).status).toBe(200);
    const out = await req('/logout', { method: 'POST', headers: { cookie } });
    expect(out.status).toBe(303);
    expect(out.headers.get('set-cookie')).toMatch(/qf_session=;.*Max-Age=0/i);
  });

  it('a read key sees the DLQ but gets no buttons, and its posts are refused', async () => {
    const cookie = await login(READ_KEY);
    const page = await req(`/dlq/${deadJobId}`, { headers: { cookie } });
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).not.toContain('id="replay"');
    expect(html).toContain('need an admin key');
    const post = await req(`/dlq/${deadJobId}/replay`, { method: 'POST', headers: { cookie, 'sec-fetch-site': 'same-origin' } });
    expect(post.status).toBe(403);
  });

  it('refuses cross-site form posts even with an admin session', async () => {
    const cookie = await login(ADMIN_KEY);
    const attempts: Array<Record<string, string>> = [{ origin: 'https://evil.example' }, { 'sec-fetch-site': 'cross-site' }, { origin: 'null' }];
    for (const headers of attempts) {
      const res = await req(`/dlq/${deadJobId}/discard`, { method: 'POST', headers: { cookie, ...headers } });
      expect(res.status).toBe(403);
    }
    const still = await req(`/dlq/${deadJobId}`, { headers: { cookie } });
    expect(still.status).toBe(200);
  });
});

describe('pages: the DLQ entry', () => {
  it('renders hostile model output escaped, with the issue marked, and no inline script anywhere', async () => {
    const cookie = await login(ADMIN_KEY);
    const res = await req(`/dlq/${deadJobId}`, { headers: { cookie } });
    expect(res.headers.get('content-security-policy')).toContain("script-src 'self'");
    const html = await res.text();
    expect(html).not.toContain(HOSTILE_SCRIPT);
    expect(html).not.toContain(HOSTILE_IMG);
    expect(html).toContain('&lt;script&gt;window.__pwned=1&lt;/script&gt;');
    expect(html).toContain('&lt;img src=x onerror=');
    expect(html).toMatch(/<mark id="a1-q0" class="question"[^>]*>.*<mark id="a1-i\d+"[^>]*>7<\/mark>/s);
    expect(html).toContain('id="replay"');
    // Every script is an external file; no inline handlers or styles.
    for (const tag of html.match(/<script\b[^>]*>/g) ?? []) expect(tag).toMatch(/ src="\/assets\/[a-z]+\.js\?v=[0-9a-f]+"/);
    expect(html).not.toMatch(/<[^>]+\son[a-z]+=/i);
    expect(html).not.toMatch(/<[^>]+\sstyle=/i);
  });

  it('answers unknown and malformed ids with a 404 page, and a stale cursor with the first page', async () => {
    const cookie = await login(READ_KEY);
    expect((await req('/dlq/999999999', { headers: { cookie } })).status).toBe(404);
    expect((await req('/dlq/abc', { headers: { cookie } })).status).toBe(404);
    expect((await req('/dlq/-1', { headers: { cookie } })).status).toBe(404);
    const stale = await req('/dlq?cursor=not-a-cursor', { headers: { cookie } });
    expect(stale.status).toBe(303);
    expect(stale.headers.get('location')).toBe('/dlq');
  });
});

describe('pages: assets', () => {
  it('serves the scripts and stylesheet without a session, cacheable for good when versioned', async () => {
    const js = await req('/assets/dashboard.js');
    expect(js.status).toBe(200);
    expect(js.headers.get('content-type')).toMatch(/^text\/javascript/);
    expect(js.headers.get('cache-control')).toBe('no-cache');
    const html = await (await req('/login')).text();
    const css = /href="(\/assets\/app\.css\?v=[0-9a-f]+)"/.exec(html)?.[1];
    expect(css).toBeDefined();
    const versioned = await req(css ?? '');
    expect(versioned.headers.get('cache-control')).toContain('immutable');
    expect((await req('/assets/nope.js')).status).toBe(404);
  });
});
