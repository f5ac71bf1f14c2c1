import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SOURCE_LIMITS } from '../../src/sources/types.js';
import { useTestDatabase } from '../helpers/db.js';
import { pdfOf } from '../sources/documents.js';
import { READ_KEY, groundedModel, startService, type Service } from './service.js';

const getDb = useTestDatabase();
let svc: Service;

const ORIGIN = 'http://127.0.0.1';
const auth = { authorization: `Bearer ${READ_KEY}` };
const req = (path: string, init: RequestInit = {}) => svc.app.request(`${ORIGIN}${path}`, init);

const NOTES = ['# Glaciers', '', 'A glacier forms where more snow falls in winter than melts in summer.', '', '# Fjords', '', 'A fjord is a long, deep inlet of the sea carved by a glacier.'].join('\n');

/** The form as a browser sends it: multipart, with a file part named `file` (empty when none was chosen). */
function formPost(fields: Record<string, string>, file: { bytes: Uint8Array | string; type: string; name: string } | null, origin = ORIGIN) {
  const form = new FormData();
  for (const [k, v] of Object.entries(fields)) form.append(k, v);
  const bytes = file === null ? '' : typeof file.bytes === 'string' ? file.bytes : new Uint8Array(file.bytes);
  form.append('file', new Blob([bytes], { type: file?.type ?? 'application/octet-stream' }), file?.name ?? '');
  return req('/batches/new', { method: 'POST', headers: { ...auth, origin, host: '127.0.0.1' }, body: form });
}

function fieldError(html: string, name: string): string | null {
  const match = new RegExp(`<p class="error" id="${name}-error">([^<]*)</p>`).exec(html);
  return match?.[1] ?? null;
}

async function sourceCount(): Promise<number> {
  const res = await req('/v1/sources?limit=100', { headers: auth });
  return ((await res.json()) as { items: unknown[] }).items.length;
}

async function landed(res: Response): Promise<string> {
  expect(res.status).toBe(303);
  const location = res.headers.get('location') ?? '';
  expect(location).toMatch(/^\/batches\/[A-Za-z0-9_-]+$/);
  return location.split('/').pop() ?? '';
}

beforeAll(async () => {
  svc = await startService(getDb().database, { keys: true });
  svc.pipeline.script(groundedModel);
});
afterAll(async () => {
  await svc?.stop();
});

describe('/batches/new with a document', () => {
  it('offers a labelled file field in a multipart form, beside the type select', async () => {
    const html = await (await req('/batches/new', { headers: auth })).text();
    expect(html).toContain('enctype="multipart/form-data"');
    expect(html).toContain('<label for="file">');
    expect(html).toMatch(/<input id="file" name="file" type="file"[^>]*aria-describedby="file-hint"/);
    expect(html).toContain('<label for="type">');
    for (const t of ['single', 'multiple', 'true_false']) expect(html).toContain(`<option value="${t}"`);
    expect(html).not.toMatch(/<script(?![^>]*src=)/);
  });

  it('stores an uploaded text file through the source service, submits with its sourceId, and the batch page shows evidence', async () => {
    const before = await sourceCount();
    const id = await landed(await formPost({ topic: '', count: '2', type: 'single', difficulty: 'easy', options: '4', language: 'en' }, { bytes: NOTES, type: 'text/plain', name: 'notes.txt' }));
    const done = await svc.pipeline.waitFor(id, ['succeeded']);
    expect(await sourceCount()).toBe(before + 1);
    expect(done.request).toMatchObject({ count: 2, difficulty: 'easy', type: 'single' });
    const sourceId = (done.request as { sourceId?: string }).sourceId ?? '';
    const source = (await (await req(`/v1/sources/${sourceId}`, { headers: auth })).json()) as { title: string };
    expect(source.title).toBe('Glaciers');
    expect(done.questions?.every((q) => q.evidence !== undefined)).toBe(true);
    const html = await (await req(`/batches/${id}`, { headers: auth })).text();
    expect(html.match(/<blockquote class="evidence">/g)).toHaveLength(2);
    expect(html).toContain('A glacier forms where more snow');
    expect(html).toContain('section s2');
  });

  it('takes a PDF too, the typed topic replacing the document title', async () => {
    const pdf = await pdfOf([['Tides rise and fall twice a day.', 'The moon pulls the sea.']]);
    const id = await landed(await formPost({ topic: 'Tides', count: '1' }, { bytes: pdf, type: 'application/pdf', name: 'tides.pdf' }));
    const done = await svc.pipeline.waitFor(id, ['succeeded']);
    expect(done.request).toMatchObject({ topic: 'Tides', count: 1 });
    expect((done.request as { sourceId?: string }).sourceId).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(done.questions?.[0]?.evidence?.page).toBe(1);
  });

  it('an empty file field is no upload: the topic alone makes the batch', async () => {
    const id = await landed(await formPost({ topic: 'Rivers', count: '1' }, null));
    const done = await svc.pipeline.waitFor(id, ['succeeded']);
    expect((done.request as { sourceId?: string }).sourceId).toBeUndefined();
  });

  it('shows the source service’s 415, 413 and 422 beside the file field, keeping every other field', async () => {
    const before = await sourceCount();
    const fields = { topic: 'Kept topic', count: '7', difficulty: 'hard', options: '5', language: 'pt-BR', audience: 'Year 9' };
    const cases: Array<[number, { bytes: Uint8Array | string; type: string; name: string }, RegExp]> = [
      [415, { bytes: new Uint8Array([0, 1, 2, 3, 255, 254]), type: 'application/octet-stream', name: 'blob.bin' }, /unsupported file type/],
      [413, { bytes: 'a'.repeat(SOURCE_LIMITS.maxFileBytes + 1), type: 'text/plain', name: 'huge.txt' }, /larger than/],
      [422, { bytes: '   \n\n  ', type: 'text/plain', name: 'blank.txt' }, /no text|empty/],
    ];
    for (const [status, file, message] of cases) {
      const res = await formPost(fields, file);
      expect(res.status).toBe(status);
      const html = await res.text();
      expect(fieldError(html, 'file')).toMatch(message);
      expect(html).toMatch(/id="file"[^>]*aria-invalid="true"/);
      for (const v of ['Kept topic', '7', '5', 'pt-BR', 'Year 9']) expect(html).toContain(`value="${v}"`);
      expect(html).toMatch(/<option value="hard" selected/);
    }
    expect(await sourceCount()).toBe(before);
  });

  it('checks the other fields before storing the document, and asks for the file again', async () => {
    const before = await sourceCount();
    const res = await formPost({ topic: '', count: '500' }, { bytes: NOTES, type: 'text/markdown', name: 'notes.md' });
    expect(res.status).toBe(422);
    const html = await res.text();
    expect(fieldError(html, 'count')).toMatch(/50/);
    expect(fieldError(html, 'topic')).toBeNull();
    expect(fieldError(html, 'file')).toMatch(/again/);
    expect(await sourceCount()).toBe(before);
  });

  it('refuses a cross-site upload before reading it', async () => {
    const before = await sourceCount();
    const res = await formPost({ count: '1' }, { bytes: NOTES, type: 'text/plain', name: 'evil.txt' }, 'https://evil.example');
    expect(res.status).toBe(403);
    expect(await sourceCount()).toBe(before);
  });
});
