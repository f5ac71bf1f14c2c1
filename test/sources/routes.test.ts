import { beforeAll, describe, expect, it } from 'vitest';
import { SourceViewSchema } from '../../schemas/api.js';
import { createSourceService } from '../../src/quiz/source-service.js';
import { useTestDatabase } from '../helpers/db.js';
import { bearer, buildApp, errorOf, json, unreachableFeed, unreachableQuiz, type Built } from '../http/harness.js';
import { docxOf, encryptedPdf, pdfOf, scannedPdf } from './documents.js';

const db = useTestDatabase();
let api: Built;

beforeAll(() => {
  api = buildApp({ database: db().database, quiz: unreachableQuiz(), events: unreachableFeed(), sources: createSourceService(db().database.db) });
});

function upload(bytes: Uint8Array | string, type: string, name: string, title?: string): RequestInit {
  const form = new FormData();
  form.append('file', new Blob([typeof bytes === 'string' ? bytes : new Uint8Array(bytes)], { type }), name);
  if (title !== undefined) form.append('title', title);
  return { method: 'POST', headers: bearer('test-api-key-0123456789'), body: form };
}

const auth = bearer('test-api-key-0123456789');
const post = (body: unknown) => json(body, auth);

async function source(res: Response) {
  return SourceViewSchema.parse(await res.json());
}

describe('POST /v1/sources as JSON', () => {
  it('stores Markdown once, split at headings; the same text again gives the same source', async () => {
    const text = '# Photosynthesis\n\nPlants turn light into sugar.\n\n# Respiration\n\nCells burn sugar for energy.';
    const res = await api.request('/v1/sources', post({ text }));
    expect(res.status).toBe(201);
    const s = await source(res);
    expect(s.title).toBe('Photosynthesis');
    expect(s.sections.map((x) => [x.id, x.title])).toEqual([['s1', 'Photosynthesis'], ['s2', 'Respiration']]);
    expect(s.chars).toBe('Plants turn light into sugar.'.length + 'Cells burn sugar for energy.'.length);
    const again = await api.request('/v1/sources', post({ text, title: 'Another title' }));
    expect(again.status).toBe(200);
    expect((await source(again)).id).toBe(s.id);
    const read = await api.request(`/v1/sources/${s.id}`, { headers: auth });
    expect(await source(read)).toEqual(s);
    const list = (await (await api.request('/v1/sources', { headers: auth })).json()) as { items: Array<{ id: string }> };
    expect(list.items.map((i) => i.id)).toContain(s.id);
  });

  it('refuses empty text (422) and over-long text (422 from the schema), storing nothing', async () => {
    const before = ((await (await api.request('/v1/sources?limit=100', { headers: auth })).json()) as { items: unknown[] }).items.length;
    const empty = await api.request('/v1/sources', post({ text: '  \n ' }));
    expect(empty.status).toBe(422);
    expect((await errorOf(empty)).code).toBe('validation_failed');
    const long = await api.request('/v1/sources', post({ text: 'a'.repeat(500_001) }));
    expect(long.status).toBe(422);
    expect((await errorOf(long)).issues?.[0]?.path).toBe('text');
    const after = ((await (await api.request('/v1/sources?limit=100', { headers: auth })).json()) as { items: unknown[] }).items.length;
    expect(after).toBe(before);
  });

  it('unknown ids are 404', async () => {
    expect((await api.request('/v1/sources/nope', { headers: auth })).status).toBe(404);
    expect((await api.request('/v1/sources/..%2Fx', { headers: auth })).status).toBe(404);
  });
});

describe('POST /v1/sources as multipart', () => {
  it('a PDF: one section per page, with its page number and the PDF title', async () => {
    const bytes = await pdfOf([['Mitochondria make ATP for the cell.'], ['Ribosomes build proteins from amino acids.']], 'Cell parts');
    const res = await api.request('/v1/sources', upload(bytes, 'application/pdf', 'cells.pdf'));
    expect(res.status).toBe(201);
    const s = await source(res);
    expect(s).toMatchObject({ title: 'Cell parts', kind: 'pdf' });
    expect(s.sections).toEqual([
      { id: 's1', title: 'Page 1', chars: 'Mitochondria make ATP for the cell.'.length, page: 1 },
      { id: 's2', title: 'Page 2', chars: 'Ribosomes build proteins from amino acids.'.length, page: 2 },
    ]);
    // The same bytes, again: the same source.
    const again = await api.request('/v1/sources', upload(bytes, 'application/pdf', 'copy.pdf'));
    expect(again.status).toBe(200);
    expect((await source(again)).id).toBe(s.id);
  });

  it('a DOCX: sections from its headings', async () => {
    const bytes = await docxOf([['Cells', ['Cells are the smallest unit of life.']], ['Tissues', ['Tissues are groups of similar cells.']]]);
    const res = await api.request('/v1/sources', upload(bytes, 'application/vnd.openxmlformats-officedocument.wordprocessingml.document', 'bio.docx', 'Biology'));
    expect(res.status).toBe(201);
    const s = await source(res);
    expect(s).toMatchObject({ title: 'Biology', kind: 'docx' });
    expect(s.sections.map((x) => x.title)).toEqual(['Cells', 'Tissues']);
  });

  it('HTML (scripts dropped, headings kept), Markdown and plain text', async () => {
    const html = '<html><head><title>Volcanoes</title><script>alert(1)</script></head><body><h1>Magma</h1><p>Magma is molten rock.</p><h2>Lava</h2><p>Lava is magma at the surface.</p></body></html>';
    const h = await source(await api.request('/v1/sources', upload(html, 'text/html', 'v.html')));
    expect(h).toMatchObject({ title: 'Volcanoes', kind: 'html' });
    expect(h.sections.map((x) => x.title)).toEqual(['Magma', 'Lava']);
    const md = await source(await api.request('/v1/sources', upload('# Rivers\n\nRivers flow downhill.', 'text/markdown', 'r.md')));
    expect(md).toMatchObject({ kind: 'markdown', title: 'Rivers' });
    const txt = await source(await api.request('/v1/sources', upload('Deserts get little rain.\n\nSome are cold.', '', 'd.txt')));
    expect(txt).toMatchObject({ kind: 'text', title: 'Deserts get little rain.' });
  });

  it('415 for an unsupported type, 422 naming scanned, encrypted and corrupt PDFs', async () => {
    const png = await api.request('/v1/sources', upload(new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0, 0, 0]), 'image/png', 'x.png'));
    expect(png.status).toBe(415);
    expect((await errorOf(png)).code).toBe('unsupported_media_type');
    const zip = await api.request('/v1/sources', upload(new Uint8Array([0x50, 0x4b, 3, 4, 0, 0]), 'application/zip', 'x.zip'));
    expect(zip.status).toBe(415);
    const cases: Array<[Uint8Array, RegExp]> = [
      [await scannedPdf(), /^no_text: .*no extractable text/],
      [await encryptedPdf(), /^encrypted: /],
      [new TextEncoder().encode('%PDF-1.7\nthis is not really a pdf'), /^corrupt: /],
    ];
    for (const [bytes, message] of cases) {
      const res = await api.request('/v1/sources', upload(bytes, 'application/pdf', 'bad.pdf'));
      expect(res.status).toBe(422);
      const err = await errorOf(res);
      expect(err.code).toBe('unreadable_document');
      expect(err.message).toMatch(message);
    }
    const corruptDocx = await api.request('/v1/sources', upload(new Uint8Array([0x50, 0x4b, 3, 4, 1, 2, 3]), 'application/octet-stream', 'w.docx'));
    expect(corruptDocx.status).toBe(422);
    expect((await errorOf(corruptDocx)).message).toMatch(/^corrupt: .*DOCX/);
    const missing = new FormData();
    missing.append('title', 'no file');
    const noFile = await api.request('/v1/sources', { method: 'POST', headers: auth, body: missing });
    expect(noFile.status).toBe(422);
    expect((await errorOf(noFile)).issues?.[0]?.path).toBe('file');
  });

  it('413 for a file over 20 MiB, and the app keeps answering', async () => {
    const big = new Uint8Array(21 * 1024 * 1024).fill(0x61);
    const res = await api.request('/v1/sources', upload(big, 'text/plain', 'big.txt'));
    expect(res.status).toBe(413);
    expect((await errorOf(res)).code).toBe('payload_too_large');
    expect((await api.request('/v1/sources', { headers: auth })).status).toBe(200);
  });
});
