import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../../src/http/server.js';
import { createLogger } from '../../src/log.js';
import { createSourceService } from '../../src/quiz/source-service.js';
import { runCli } from '../helpers/cli.js';
import { useTestDatabase } from '../helpers/db.js';
import { API_KEY, buildApp, unreachableFeed, unreachableQuiz } from '../http/harness.js';
import { pdfOf } from '../sources/documents.js';

const db = useTestDatabase();
let server: RunningServer;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  const built = buildApp({ database: db().database, quiz: unreachableQuiz(), events: unreachableFeed(), sources: createSourceService(db().database.db) });
  server = await startServer({ app: built.app, logger: createLogger({ level: 'silent' }), host: '127.0.0.1', port: 0 });
  env = { QUIZFORGE_URL: server.url, QUIZFORGE_API_KEY: API_KEY };
});
afterAll(async () => {
  await server?.close();
});

describe('quizforge sources', () => {
  it('add FILE uploads a PDF and prints the source; show and list read it back', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'qf-sources-'));
    const file = join(dir, 'notes.pdf');
    writeFileSync(file, await pdfOf([['Volcanoes erupt when magma reaches the surface.']]));
    const added = await runCli(['sources', 'add', file, '--title', 'Volcano notes'], env);
    expect(added.code).toBe(0);
    const source = JSON.parse(added.stdout) as { id: string; title: string; sections: Array<{ page?: number }> };
    expect(source).toMatchObject({ title: 'Volcano notes', kind: 'pdf' });
    expect(source.sections[0]?.page).toBe(1);
    const shown = await runCli(['sources', 'show', source.id], env);
    expect(JSON.parse(shown.stdout)).toEqual(source);
    expect((await runCli(['sources', 'list'], env)).stdout).toContain(source.id);
  });

  it('a refused file exits 1 with the error; a missing file is a usage error', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'qf-sources-'));
    const file = join(dir, 'image.png');
    writeFileSync(file, Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 0]));
    const r = await runCli(['sources', 'add', file], env);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('HTTP 415 unsupported_media_type');
    expect((await runCli(['sources', 'add', join(dir, 'nope.pdf')], env)).code).toBe(2);
  });
});
