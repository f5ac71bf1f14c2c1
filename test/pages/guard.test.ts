import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import type { AppEnv } from '../../src/http/env.js';
import { safeNext, sameOriginPosts } from '../../src/http/pages/guard.js';

describe('safeNext', () => {
  it('keeps paths on this site and drops everything else', () => {
    expect(safeNext('/dlq/3?x=1')).toBe('/dlq/3?x=1');
    for (const bad of [undefined, '', 'https://evil.example/', '//evil.example', '/\\evil.example', 'dlq', '/dlq\r\nSet-Cookie: x=1', `/${'a'.repeat(3000)}`]) {
      expect(safeNext(bad)).toBe('/');
    }
  });
});

describe('sameOriginPosts', () => {
  // The guard matters most when no keys are configured: then there is no cookie for SameSite to hold back.
  const app = new Hono<AppEnv>();
  app.use(sameOriginPosts());
  app.post('/act', (c) => c.text('done'));
  app.get('/act', (c) => c.text('read'));
  const post = (headers: Record<string, string>) => app.request('http://127.0.0.1:3000/act', { method: 'POST', headers: { host: '127.0.0.1:3000', ...headers } });

  it('lets same-origin browser posts and non-browser clients through', async () => {
    expect((await post({ 'sec-fetch-site': 'same-origin' })).status).toBe(200);
    expect((await post({ origin: 'http://127.0.0.1:3000' })).status).toBe(200);
    // Behind a TLS proxy the app sees http, the browser says https: same host, so same site.
    expect((await post({ origin: 'https://127.0.0.1:3000' })).status).toBe(200);
    expect((await post({})).status).toBe(200);
  });

  it('refuses cross-site posts, however they announce themselves', async () => {
    const attempts: Array<Record<string, string>> = [
      { 'sec-fetch-site': 'cross-site' },
      { 'sec-fetch-site': 'same-site' },
      { origin: 'http://evil.example' },
      { origin: 'http://127.0.0.1:4000' },
      { origin: 'null' },
      { origin: 'not a url' },
    ];
    for (const headers of attempts) {
      expect((await post(headers)).status).toBe(403);
    }
    expect((await app.request('http://127.0.0.1:3000/act', { headers: { 'sec-fetch-site': 'cross-site' } })).status).toBe(200);
  });
});
