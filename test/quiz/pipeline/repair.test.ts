import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useTestDatabase } from '../../helpers/db.js';
import { answerText, demoQuestion, readAsk, type DemoQuestion } from '../../../src/quiz/demo-model.js';
import type { ScriptedRequest } from '../../../src/model/scripted-server.js';
import { callsOf, startPipeline, type Pipeline } from './harness.js';

const getDb = useTestDatabase();
let p: Pipeline;

beforeAll(async () => {
  p = await startPipeline(getDb().database);
});
afterAll(async () => {
  if (p !== undefined) await p.stop();
});

function bodiesFor(topic: string, from: number): Array<ReturnType<typeof readAsk>> {
  return (p.server?.requests ?? [])
    .slice(from)
    .map((r: ScriptedRequest) => readAsk(r.body as never))
    .filter((a) => a.topic === topic);
}

function sameQuestion(stored: DemoQuestion, original: DemoQuestion): void {
  expect(stored.question).toBe(original.question);
  expect(stored.explanation).toBe(original.explanation);
  expect([...stored.options].sort()).toEqual([...original.options].sort());
  expect(stored.options[stored.correctAnswer]).toBe(original.options[original.correctAnswer]);
}

describe('targeted repair', () => {
  it('asks only for the failing positions and keeps the valid questions verbatim', async () => {
    const topic = 'Volcanoes';
    const first = Array.from({ length: 5 }, (_, i) => demoQuestion(topic, i + 1));
    const broken: unknown[] = first.map((q) => ({ ...q }));
    broken[1] = { ...first[1], options: ['Magma', 'Lava', 'Ash', 'All of the above'] };
    broken[3] = { ...first[3], correctAnswer: 7 };
    const replacements = [demoQuestion(topic, 101), demoQuestion(topic, 103)];
    const from = p.server?.requests.length ?? 0;
    p.script(({ body }) => {
      const ask = readAsk(body);
      if (!ask.repair) return { content: answerText(broken) };
      // A model that fixes only what it is told: one replacement per listed position.
      return { content: answerText(ask.failing.map((pos) => replacements[pos === 1 ? 0 : 1])) };
    });
    const batch = await p.submit({ topic, count: 5 });
    const done = await p.waitFor(batch.id, ['succeeded', 'failed']);
    expect(done.status).toBe('succeeded');

    const asks = bodiesFor(topic, from);
    expect(asks).toHaveLength(2);
    expect(asks[1]).toMatchObject({ repair: true, count: 2, failing: [1, 3] });
    expect(asks[1]?.issues).toContain('questions[1].options[3] [meta_option]');
    expect(asks[1]?.issues).toContain('questions[3].correctAnswer [answer_out_of_range]');
    expect(asks[1]?.issues).not.toContain('questions[0]');

    const qs = (done.questions ?? []) as DemoQuestion[];
    expect(qs).toHaveLength(5);
    for (const i of [0, 2, 4]) sameQuestion(qs[i] as DemoQuestion, first[i] as DemoQuestion);
    sameQuestion(qs[1] as DemoQuestion, replacements[0] as DemoQuestion);
    sameQuestion(qs[3] as DemoQuestion, replacements[1] as DemoQuestion);

    const chunk = done.jobs.find((j) => j.kind === 'chunk');
    const calls = await callsOf(getDb().database, chunk?.id ?? -1);
    expect(calls.map((c) => c.kind)).toEqual(['generate', 'repair']);
    expect((calls[0]?.issues as unknown[]).length).toBe(2);
    expect(calls[1]?.issues).toEqual([]);
    expect(done.usage.modelCalls).toBe(2);
    const metrics = await p.registry.metrics();
    expect(metrics).toContain('quizforge_model_calls_total{kind="generate",outcome="invalid"} 1');
    expect(metrics).toContain('quizforge_model_calls_total{kind="repair",outcome="valid"} 1');
    expect(metrics).toContain('quizforge_repair_attempts_total 1');
    expect(metrics).toMatch(/quizforge_model_tokens_total\{type="completion"\} [1-9]/);
  });

  it('records a normalised answer (a letter) with the call and accepts it without repair', async () => {
    const topic = 'Glaciers';
    const qs: unknown[] = Array.from({ length: 2 }, (_, i) => demoQuestion(topic, i + 1));
    qs[0] = { ...(qs[0] as DemoQuestion), correctAnswer: 'B' };
    p.script(() => ({ content: `\`\`\`json\n${answerText(qs)}\n\`\`\`` }));
    const batch = await p.submit({ topic, count: 2 });
    const done = await p.waitFor(batch.id, ['succeeded', 'failed']);
    expect(done.status).toBe('succeeded');
    const chunk = done.jobs.find((j) => j.kind === 'chunk');
    const [call] = await callsOf(getDb().database, chunk?.id ?? -1);
    const kinds = (call?.normalisations as Array<{ kind: string }>).map((n) => n.kind);
    expect(kinds).toContain('strip_code_fence');
    expect(kinds).toContain('answer_from_letter');
  });
});

describe('the attempt cap', () => {
  it('makes exactly maxAttempts model calls, then dead-letters with reason validation and the full transcript', async () => {
    const topic = 'Hopeless';
    const from = p.server?.requests.length ?? 0;
    p.script(({ body }) => {
      const ask = readAsk(body);
      // Always wrong the same way: the answer index is out of range.
      return { content: answerText(Array.from({ length: ask.count }, (_, i) => ({ ...demoQuestion(topic, i + 1), correctAnswer: 9 }))) };
    });
    const batch = await p.submit({ topic, count: 3, maxAttempts: 3 });
    const failed = await p.waitFor(batch.id, ['failed']);
    expect(bodiesFor(topic, from)).toHaveLength(3);
    const chunk = failed.jobs.find((j) => j.kind === 'chunk');
    expect(chunk?.state).toBe('dead');
    expect(failed.jobs.find((j) => j.kind === 'assemble')?.state).toBe('blocked');

    const entry = await p.service.dlqGet(chunk?.id ?? -1);
    expect(entry).toMatchObject({ kind: 'chunk', reason: 'validation', batchId: batch.id, maxAttempts: 3 });
    expect(entry?.lastError?.message).toMatch(/no valid answer after 3 model call/);
    expect(entry?.attempts.map((a) => a.n)).toEqual([1, 2, 3]);
    expect(entry?.attempts.map((a) => a.kind)).toEqual(['generate', 'repair', 'repair']);
    for (const a of entry?.attempts ?? []) {
      expect(a.rawOutput).toContain('"correctAnswer":9');
      expect(a.issues.map((i) => i.code)).toContain('answer_out_of_range');
      expect(a.messages.length).toBeGreaterThanOrEqual(2);
      expect(a.usage.completionTokens).toBeGreaterThan(0);
      expect(a.finishReason).toBe('stop');
    }
    const list = await p.service.dlqList();
    expect(list.items.find((i) => i.id === chunk?.id)).toMatchObject({ attempts: 3, reason: 'validation', kind: 'chunk' });
  });

  it('holds across engine retries: a 500 in between is retried and not counted', async () => {
    const topic = 'Flaky and wrong';
    const from = p.server?.requests.length ?? 0;
    let calls = 0;
    p.script(({ body }) => {
      const ask = readAsk(body);
      calls += 1;
      if (calls === 2) return { status: 500, error: { message: 'upstream hiccup' } };
      return { content: answerText(Array.from({ length: ask.count }, (_, i) => ({ ...demoQuestion(topic, i + 1), correctAnswer: 9 }))) };
    });
    const batch = await p.submit({ topic, count: 1, maxAttempts: 2 });
    const failed = await p.waitFor(batch.id, ['failed']);
    expect(bodiesFor(topic, from)).toHaveLength(3);
    const chunk = failed.jobs.find((j) => j.kind === 'chunk');
    expect(chunk?.attempts).toBe(2);
    const rows = await callsOf(getDb().database, chunk?.id ?? -1);
    expect(rows.map((r) => [r.counted, r.job_attempt])).toEqual([
      [true, 1],
      [false, 1],
      [true, 2],
    ]);
    // The retried run resumed the repair conversation instead of starting over.
    expect(rows[2]?.kind).toBe('repair');
    expect((rows[1]?.error as { kind: string }).kind).toBe('server_error');
  });
});
