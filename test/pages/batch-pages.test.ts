import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXPORT_FORMATS } from '../../schemas/export.js';
import { useTestDatabase } from '../helpers/db.js';
import { HOSTILE_SCRIPT, READ_KEY, goodModel, hostileModel, startService, type Service } from './service.js';

const getDb = useTestDatabase();
let svc: Service;

const ORIGIN = 'http://127.0.0.1';
const req = (path: string, init: RequestInit = {}) => svc.app.request(`${ORIGIN}${path}`, init);
const auth = { authorization: `Bearer ${READ_KEY}` };
const post = (fields: Record<string, string>, headers: Record<string, string> = { origin: ORIGIN }) =>
  req('/batches/new', {
    method: 'POST',
    headers: { ...auth, 'content-type': 'application/x-www-form-urlencoded', host: '127.0.0.1', ...headers },
    body: new URLSearchParams(fields).toString(),
  });

/** The error text shown beside one field, read from the rendered form. */
function fieldError(html: string, name: string): string | null {
  const match = new RegExp(`<p class="error" id="${name}-error">([^<]*)</p>`).exec(html);
  return match?.[1] ?? null;
}

beforeAll(async () => {
  svc = await startService(getDb().database, { keys: true });
  svc.pipeline.script(goodModel);
});
afterAll(async () => {
  await svc?.stop();
});

describe('/batches/new', () => {
  it('renders a labelled form, behind the session like every page', async () => {
    expect((await req('/batches/new')).status).toBe(303);
    const html = await (await req('/batches/new', { headers: auth })).text();
    for (const field of ['topic', 'count', 'difficulty', 'options', 'language', 'audience']) {
      expect(html).toContain(`<label for="${field}">`);
      expect(html).toContain(`id="${field}" name="${field}"`);
    }
  });

  it('shows the API schema’s refusals beside their fields, keeping what was typed', async () => {
    const res = await post({ topic: '', count: '500', options: 'four', language: 'not a tag!', difficulty: 'medium' });
    expect(res.status).toBe(422);
    const html = await res.text();
    expect(fieldError(html, 'topic')).toBeTruthy();
    expect(fieldError(html, 'count')).toMatch(/50/);
    expect(fieldError(html, 'options')).toBeTruthy();
    expect(fieldError(html, 'language')).toContain('language tag');
    expect(fieldError(html, 'difficulty')).toBeNull();
    expect(html).toContain('value="not a tag!"');
    expect(html).toMatch(/id="count"[^>]*aria-invalid="true"/);
  });

  it('submits through the service and lands on the batch page; refuses a cross-site post', async () => {
    const res = await post({ topic: 'Glaciers', count: '2', difficulty: 'easy', options: '3', language: 'en' });
    expect(res.status).toBe(303);
    const location = res.headers.get('location') ?? '';
    expect(location).toMatch(/^\/batches\/[A-Za-z0-9_-]+$/);
    const id = location.split('/').pop() ?? '';
    const done = await svc.pipeline.waitFor(id, ['succeeded']);
    expect(done.request).toMatchObject({ topic: 'Glaciers', count: 2, difficulty: 'easy', options: 3 });
    const crossSite = await post({ topic: 'Evil', count: '1' }, { origin: 'https://evil.example' });
    expect(crossSite.status).toBe(403);
  });
});

describe('/batches/:id', () => {
  it('shows each question with its key, explanation and every export', async () => {
    const batch = await svc.pipeline.submit({ topic: 'Deserts <b>&</b>', count: 2 });
    const done = await svc.pipeline.waitFor(batch.id, ['succeeded']);
    const html = await (await req(`/batches/${batch.id}`, { headers: auth })).text();
    expect(html).toContain('Deserts &lt;b&gt;&amp;&lt;/b&gt;');
    expect(html.match(/data-question="/g)).toHaveLength(2);
    expect(html.match(/data-key="true"/g)).toHaveLength(2);
    for (const q of done.questions ?? []) expect(html).toContain(q.explanation.replace(/&/g, '&amp;').slice(0, 30));
    for (const f of EXPORT_FORMATS) expect(html).toContain(`href="/v1/batches/${batch.id}/export?format=${f}"`);
    expect(html).not.toContain('batch.js');
  });

  it('links a failed batch to its DLQ entries, escaping hostile model text, and 404s an unknown one', async () => {
    svc.pipeline.script(hostileModel);
    const batch = await svc.pipeline.submit({ topic: 'Markup', count: 1, maxAttempts: 1 });
    const done = await svc.pipeline.waitFor(batch.id, ['failed']);
    svc.pipeline.script(goodModel);
    const dead = done.jobs.filter((j) => j.state === 'dead');
    const html = await (await req(`/batches/${batch.id}`, { headers: auth })).text();
    for (const j of dead) expect(html).toContain(`href="/dlq/${j.id}"`);
    expect(html).not.toContain(HOSTILE_SCRIPT);
    expect(html).not.toContain('/export?format=');
    expect((await req('/batches/nope-404', { headers: auth })).status).toBe(404);
    expect((await req('/batches/%3Cscript%3E', { headers: auth })).status).toBe(404);
  });

  it('the dashboard links batches to this page', async () => {
    const html = await (await req('/', { headers: auth })).text();
    expect(html).toMatch(/href="\/batches\/[A-Za-z0-9_-]+"/);
    expect(html).not.toMatch(/href="\/v1\/batches\//);
  });
});
