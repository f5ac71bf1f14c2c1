import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useTestDatabase } from '../../helpers/db.js';
import { BatchRequestSchema } from '../../../schemas/batch-request.js';
import { DEMO_BATCHES } from '../../../src/quiz/demo-scenarios.js';
import { DEMO_DOCUMENT, DEMO_SOURCE_ID } from '../../../src/quiz/demo-grounded.js';
import { pipelineVersions, promptVersion } from '../../../src/quiz/messages.js';
import { loadPrompts, promptsVersion } from '../../../src/quiz/prompts.js';
import { typedPrompts } from '../../../src/quiz/type-prompts.js';
import { callsOf, singles, startReplayPipeline, type Pipeline } from './harness.js';

const getDb = useTestDatabase();
let p: Pipeline;

beforeAll(async () => {
  p = await startReplayPipeline(getDb().database);
  // What `quizforge sources add fixtures/documents/honeybees.md` does (multipart, text/markdown).
  const bytes = new Uint8Array(await readFile(new URL(`../../../${DEMO_DOCUMENT}`, import.meta.url)));
  const { source } = await p.service.sources.addFile({ bytes, mediaType: 'text/markdown', fileName: 'honeybees.md' });
  expect(source.id).toBe(DEMO_SOURCE_ID);
  expect(source.sections.map((s) => s.id)).toEqual(['s1', 's2', 's3']);
});
afterAll(async () => {
  if (p !== undefined) await p.stop();
});

async function promptVersionsOf(batchId: string): Promise<unknown[]> {
  const view = await p.service.get(batchId);
  const calls = await Promise.all((view?.jobs ?? []).map((j) => callsOf(getDb().database, j.id)));
  // Verification calls record the verification set's version; the generation calls the prompt set's.
  return calls.flat().filter((c) => c.kind !== 'verify').map((c) => c.prompt_version);
}

describe('versions of the typed prompt set', () => {
  it('pipelineVersions names each template of prompts/typed/, so `fixtures check` sees a change to them', () => {
    const typed = typedPrompts();
    const versions = pipelineVersions(loadPrompts());
    expect(versions).toMatchObject({ typedSystem: typed.system.version, typedGenerate: typed.generate.version, typedRepair: typed.repair.version });
    // The typed templates differ from the single ones, so their hashes are not the single ones reused.
    expect(versions['typedGenerate']).not.toBe(versions['generate']);
    expect(versions['typedSchema']).toMatch(/^[0-9a-f]{12}$/);
    expect(versions['typedSchema']).not.toBe(versions['schema']);
    expect(promptVersion(loadPrompts(), BatchRequestSchema.parse(DEMO_BATCHES.success.request))).toBe(promptsVersion(loadPrompts()));
  });
});

describe('the shipped source and type demo fixtures, replayed end to end through the worker', () => {
  it('a source-grounded batch: every question carries a verbatim quote of its section', async () => {
    const batch = await p.submit(DEMO_BATCHES.sourced.request);
    const done = await p.waitFor(batch.id, ['succeeded', 'failed']);
    expect(done.status).toBe('succeeded');
    expect(done.request.topic).toBe('How honeybees make honey');
    expect(done.usage.modelCalls).toBe(2);
    const document = (await readFile(new URL(`../../../${DEMO_DOCUMENT}`, import.meta.url), 'utf8')).replace(/\s+/g, ' ');
    const questions = singles(done.questions);
    expect(questions).toHaveLength(5);
    for (const q of questions) expect(document).toContain(q.evidence?.quote);
    expect(new Set(questions.map((q) => q.evidence?.sectionId))).toEqual(new Set(['s1', 's2', 's3']));
    expect(await promptVersionsOf(batch.id)).toEqual([promptsVersion(loadPrompts())]);
  });

  it('an evidence repair: a quote the document never says is replaced, the rest kept', async () => {
    const batch = await p.submit(DEMO_BATCHES.evidence.request);
    const done = await p.waitFor(batch.id, ['succeeded', 'failed']);
    expect(done.status).toBe('succeeded');
    expect(done.usage.modelCalls).toBe(3);
    const dance = singles(done.questions).find((q) => q.question.includes('angle of the waggle dance'));
    expect(dance?.evidence?.quote).toBe('The angle of the dance on the comb shows the direction of the flowers relative to the sun');
    const calls = await callsOf(getDb().database, done.jobs[0]?.id ?? -1);
    expect(JSON.stringify(calls[1]?.messages)).toContain('evidence_not_found');
  });

  it('a multiple batch: correctAnswers with varying counts; the call records the typed prompt set', async () => {
    const batch = await p.submit(DEMO_BATCHES.multiple.request);
    const done = await p.waitFor(batch.id, ['succeeded', 'failed']);
    expect(done.status).toBe('succeeded');
    const counts = (done.questions ?? []).map((q) => ('type' in q && q.type === 'multiple' ? q.correctAnswers.length : 0));
    expect(counts.sort()).toEqual([1, 2, 2, 3]);
    const typed = promptVersion(loadPrompts(), BatchRequestSchema.parse(DEMO_BATCHES.multiple.request));
    expect(typed).toBe(promptsVersion(typedPrompts()));
    expect(typed).not.toBe(promptsVersion(loadPrompts()));
    expect(await promptVersionsOf(batch.id)).toEqual([typed]);
  });

  it('a true_false batch: half the statements true, as the prompt planned', async () => {
    const batch = await p.submit(DEMO_BATCHES.trueFalse.request);
    const done = await p.waitFor(batch.id, ['succeeded', 'failed']);
    expect(done.status).toBe('succeeded');
    const questions = done.questions ?? [];
    expect(questions.map((q) => ('type' in q ? q.type : 'single'))).toEqual(['true_false', 'true_false', 'true_false', 'true_false']);
    expect(questions.filter((q) => 'correctAnswer' in q && q.correctAnswer === 0)).toHaveLength(2);
    expect(questions.every((q) => JSON.stringify(q.options) === '["True","False"]')).toBe(true);
    expect(await promptVersionsOf(batch.id)).toEqual([promptsVersion(typedPrompts())]);
  });
});
