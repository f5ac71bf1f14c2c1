import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useTestDatabase } from '../../helpers/db.js';
import { answerText, readAsk, type DemoQuestion } from '../../../src/quiz/demo-model.js';
import type { ScriptedRequest } from '../../../src/model/scripted-server.js';
import { BatchRequestSchema } from '../../../schemas/index.js';
import { callsOf, startPipeline, type Pipeline } from './harness.js';

const getDb = useTestDatabase();
let p: Pipeline;

beforeAll(async () => {
  p = await startPipeline(getDb().database);
});
afterAll(async () => {
  if (p !== undefined) await p.stop();
});

const q = (question: string, options: string[]): DemoQuestion => ({ question, options, correctAnswer: 0, explanation: 'Recorded fact.' });

const FIRST = [
  q('Which planet is closest to the Sun?', ['Mercury', 'Venus', 'Earth', 'Mars']),
  q('Which planet has the Great Red Spot?', ['Jupiter', 'Saturn', 'Uranus', 'Neptune']),
];
const PARAPHRASE = q('What planet orbits nearest to the Sun?', ['Mercury', 'Venus', 'Mars', 'Jupiter']);
const NEW = q('Which planet has the longest day?', ['Venus', 'Mars', 'Jupiter', 'Earth']);
const OTHER = q('Which planet is famous for its bright rings?', ['Saturn', 'Mercury', 'Mars', 'Earth']);

describe('distinctFrom: earlier batches', () => {
  it('shows the earlier stems to the model and repairs a paraphrase of one (duplicate_of_existing)', async () => {
    const topic = 'Planets, distinct';
    let second = false;
    p.script(({ body }) => {
      const ask = readAsk(body);
      if (!second) return { content: answerText(FIRST) };
      if (!ask.repair) return { content: answerText([PARAPHRASE, OTHER]) };
      return { content: answerText([NEW]) };
    });
    const a = await p.submit({ topic, count: 2 });
    expect((await p.waitFor(a.id, ['succeeded', 'failed'])).status).toBe('succeeded');

    second = true;
    const from = p.server?.requests.length ?? 0;
    // An id that names no batch is refused at submit (UnknownBatchesError, 422 over HTTP), naming its index.
    await expect(p.submit({ topic, count: 2, distinctFrom: [a.id, 'no-such-batch'] })).rejects.toMatchObject({
      name: 'UnknownBatchesError',
      unknown: [{ index: 1, batchId: 'no-such-batch' }],
    });
    const b = await p.submit({ topic, count: 2, distinctFrom: [a.id] });
    const done = await p.waitFor(b.id, ['succeeded', 'failed']);
    expect(done.status).toBe('succeeded');

    const asks = (p.server?.requests ?? []).slice(from).map((r: ScriptedRequest) => JSON.stringify((r.body as { messages: unknown }).messages));
    expect(asks).toHaveLength(2);
    expect(asks[0]).toContain('<existing_questions>');
    expect(asks[0]).toContain('Which planet is closest to the Sun?');
    expect(asks[1]).toContain('[duplicate_of_existing]');
    expect(asks[1]).toContain(`earlier batch ${a.id}`);

    const stems = (done.questions ?? []).map((x) => (x as DemoQuestion).question);
    expect(stems.sort()).toEqual([NEW.question, OTHER.question].sort());
    const chunk = done.jobs.find((j) => j.kind === 'chunk');
    const calls = await callsOf(getDb().database, chunk?.id ?? -1);
    expect((calls[0]?.issues as Array<{ code: string; path: string }>).map((i) => [i.path, i.code])).toEqual([['questions[0].question', 'duplicate_of_existing']]);
  });

  it('without distinctFrom the ask is unchanged (no existing-questions block)', async () => {
    const from = p.server?.requests.length ?? 0;
    p.script(() => ({ content: answerText([NEW]) }));
    const c = await p.submit({ topic: 'Planets, plain', count: 1 });
    expect((await p.waitFor(c.id, ['succeeded', 'failed'])).status).toBe('succeeded');
    const body = JSON.stringify((p.server?.requests[from]?.body as { messages: unknown }).messages);
    expect(body).not.toContain('existing_questions');
  });

  it('the request takes at most 20 earlier batches', () => {
    const ids = Array.from({ length: 21 }, (_, i) => `b${i}`);
    expect(BatchRequestSchema.safeParse({ topic: 't', count: 1, distinctFrom: ids.slice(0, 20) }).success).toBe(true);
    expect(BatchRequestSchema.safeParse({ topic: 't', count: 1, distinctFrom: ids }).success).toBe(false);
  });
});
