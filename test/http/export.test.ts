import { decodeHTML } from 'entities';
import { strFromU8, unzipSync } from 'fflate';
import { parse as parseGift, type MultipleChoice } from 'gift-pegjs';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer } from '../../src/http/server.js';
import { createLogger } from '../../src/log.js';
import { runCli } from '../helpers/cli.js';
import { BatchViewSchema } from '../../schemas/api.js';
import { EXPORT_FORMATS } from '../../schemas/export.js';
import { useTestDatabase } from '../helpers/db.js';
import { hostileQuiz } from '../export/hostile.js';
import { API_KEY, answerAll, bearer, buildApp, errorOf, json, startQuizStack, unreachableFeed, type Built, type QuizStack } from './harness.js';

const db = useTestDatabase();
let stack: QuizStack;
let api: Built;
const user = bearer(API_KEY);

beforeAll(async () => {
  stack = await startQuizStack(db().database);
  stack.script((req) => (JSON.stringify(req.body.messages).includes('Poison') ? { content: '{"questions": "nope"}' } : answerAll(req)));
  api = buildApp({ database: db().database, quiz: stack.service, events: stack.engine.events });
});
afterAll(async () => {
  await api?.app.hub.close();
  await stack?.stop();
});

async function settled(body: unknown) {
  const res = await api.request('/v1/batches', json(body, user));
  const { id } = BatchViewSchema.parse(await res.json());
  const deadline = Date.now() + 15_000;
  for (;;) {
    const batch = BatchViewSchema.parse(await (await api.request(`/v1/batches/${id}`, { headers: user })).json());
    if (batch.status === 'succeeded' || batch.status === 'failed') return batch;
    if (Date.now() > deadline) throw new Error(`batch ${id} stuck in ${batch.status}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const exportOf = (id: string, format: string, headers = user) => api.request(`/v1/batches/${id}/export?format=${encodeURIComponent(format)}`, { headers });

describe('GET /v1/batches/:id/export', () => {
  it('sends a succeeded batch as GIFT that a GIFT parser reads back to the API questions', async () => {
    const batch = await settled({ topic: 'Tides & currents: {GIFT}', count: 3 });
    expect(batch.status).toBe('succeeded');
    const res = await exportOf(batch.id, 'gift');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    expect(res.headers.get('content-disposition')).toBe('attachment; filename="tides-currents-gift.gift.txt"');
    const parsed = parseGift(await res.text()) as MultipleChoice[];
    expect(parsed.map((p) => p.choices.findIndex((c) => c.isCorrect))).toEqual(batch.questions?.map((q) => ('correctAnswer' in q ? q.correctAnswer : null)));
    expect(parsed.map((p) => decodeHTML(p.stem.text))).toEqual(batch.questions?.map((q) => q.question));
  });

  it('sends every format; QTI as a zip with one item per question', async () => {
    const batch = await settled({ topic: 'Ocean salinity', count: 2 });
    for (const format of EXPORT_FORMATS) {
      const res = await exportOf(batch.id, format);
      expect(res.status, format).toBe(200);
      expect(res.headers.get('content-disposition'), format).toMatch(/^attachment; filename="ocean-salinity\.[a-z0-9.]+"$/);
      const bytes = new Uint8Array(await res.arrayBuffer());
      if (format === 'qti21') {
        const files = unzipSync(bytes);
        expect(Object.keys(files).filter((p) => p.startsWith('items/'))).toHaveLength(2);
        expect(strFromU8(files['imsmanifest.xml'] ?? new Uint8Array())).toContain('imsqti_item_xmlv2p1');
      }
      // Exports carry the questions, not the batch view's quality annotations.
      if (format === 'json') expect(JSON.parse(strFromU8(bytes)).questions).toEqual(batch.questions?.map(({ quality: _quality, ...q }) => q));
    }
  });

  it('refuses a batch that has not succeeded with 409 naming its status', async () => {
    const batch = await settled({ topic: 'Poison pens', count: 1, maxAttempts: 1 });
    expect(batch.status).toBe('failed');
    const res = await exportOf(batch.id, 'gift');
    expect(res.status).toBe(409);
    expect((await errorOf(res)).message).toContain('is failed');
  });

  it('refuses an unknown or missing format with 422 listing the formats, and an unknown batch with 404', async () => {
    const batch = await settled({ topic: 'Estuaries', count: 1 });
    for (const path of [`/v1/batches/${batch.id}/export?format=docx`, `/v1/batches/${batch.id}/export`]) {
      const res = await api.request(path, { headers: user });
      expect(res.status).toBe(422);
      const err = await errorOf(res);
      expect(err.code).toBe('validation_failed');
      expect(err.issues).toEqual([{ path: 'format', message: `format must be one of: ${EXPORT_FORMATS.join(', ')}` }]);
    }
    expect((await exportOf('no-such-batch', 'gift')).status).toBe(404);
    expect((await exportOf(batch.id, 'gift', {} as typeof user)).status).toBe(401);
  });

  it('answers 422 naming the types a format cannot hold (aiken with multiple and true/false)', async () => {
    const quiz = hostileQuiz();
    const view = { id: 'b1', status: 'succeeded', request: { topic: quiz.topic, language: 'en' }, questions: quiz.questions };
    const no = () => Promise.reject(new Error('not used'));
    const mixed = buildApp({
      database: db().database,
      events: unreachableFeed(),
      quiz: { submit: no, usage: no, list: no, dlqList: no, dlqGet: no, dlqReplay: no, dlqDiscard: no, dlqAccept: no, cancel: no, remove: no, batchOwners: no, get: async (id) => (id === 'b1' ? view : null) },
    });
    const res = await mixed.request('/v1/batches/b1/export?format=aiken', { headers: user });
    expect(res.status).toBe(422);
    const err = await errorOf(res);
    expect(err.message).toMatch(/aiken holds single-answer questions only; this batch has multiple, true_false \(questions 2, 3, 4, 6\)/);
    expect((await mixed.request('/v1/batches/b1/export?format=moodle-xml', { headers: user })).status).toBe(200);
    await mixed.app.hub.close();
  });
});

describe('OpenAPI', () => {
  it('documents the export route with its formats and refusals', async () => {
    const doc = (await (await api.request('/openapi.json')).json()) as {
      paths: Record<string, { get: { parameters: { name: string; schema: { enum?: string[] } }[]; responses: Record<string, unknown> } }>;
    };
    const route = doc.paths['/v1/batches/{id}/export']?.get;
    expect(route?.parameters.find((p) => p.name === 'format')?.schema.enum).toEqual([...EXPORT_FORMATS]);
    expect(Object.keys(route?.responses ?? {})).toEqual(expect.arrayContaining(['200', '404', '409', '422']));
  });
});

describe('quizforge export', () => {
  it('downloads a succeeded batch to -o FILE, and exits 1 with the API message for a failed one', async () => {
    const server = await startServer({ app: api.app, logger: createLogger({ level: 'silent' }), port: 0 });
    const dir = mkdtempSync(join(tmpdir(), 'qf-export-'));
    try {
      const env = { QUIZFORGE_URL: server.url, QUIZFORGE_API_KEY: API_KEY };
      const good = await settled({ topic: 'Kelp forests', count: 2 });
      const file = join(dir, 'kelp.zip');
      const ok = await runCli(['export', good.id, '--format', 'qti21', '-o', file], env);
      expect(ok.code, ok.stderr).toBe(0);
      expect(Object.keys(unzipSync(new Uint8Array(readFileSync(file)))).filter((p) => p.startsWith('items/'))).toHaveLength(2);
      const stdout = await runCli(['export', good.id, '--format', 'csv'], env);
      expect(stdout.stdout.split('\r\n').filter(Boolean)).toHaveLength(3);
      const bad = await settled({ topic: 'Poison kelp', count: 1, maxAttempts: 1 });
      const refused = await runCli(['export', bad.id, '--format', 'gift'], env);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toContain('HTTP 409 conflict');
      const usage = await runCli(['export', good.id, '--format', 'docx'], env);
      expect(usage.code).toBe(2);
      expect(usage.stderr).toContain(EXPORT_FORMATS.join(', '));
    } finally {
      rmSync(dir, { recursive: true, force: true });
      await server.close();
    }
  });
});
