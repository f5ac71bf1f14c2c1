import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useTestDatabase } from '../../helpers/db.js';
import { readAsk } from '../../../src/quiz/demo-model.js';
import type { ChatCompletionRequestBody } from '../../../src/model/scripted-server.js';
import { callsOf, startPipeline, type Pipeline } from '../pipeline/harness.js';

const getDb = useTestDatabase();
let p: Pipeline;

beforeAll(async () => {
  p = await startPipeline(getDb().database);
});
afterAll(async () => {
  if (p !== undefined) await p.stop();
});

/** The truth plan of a true/false ask, as the generate prompt states it ("question 2: a FALSE statement"). */
function planOf(body: ChatCompletionRequestBody): boolean[] {
  const user = body.messages.find((m) => m.role === 'user');
  const text = typeof user?.content === 'string' ? user.content : '';
  return [...text.matchAll(/question \d+: a (TRUE|FALSE) statement/g)].map((m) => m[1] === 'TRUE');
}

function systemOf(body: ChatCompletionRequestBody): string {
  const first = body.messages[0];
  return typeof first?.content === 'string' ? first.content : '';
}

let n = 0;
function statement(isTrue: boolean) {
  n += 1;
  return {
    type: 'true_false',
    question: `Statement ${n}: the scripted fact number ${n} is ${isTrue ? 'correct' : 'incorrect'}.`,
    options: ['True', 'False'],
    correctAnswer: isTrue ? 0 : 1,
    explanation: `Scripted fact ${n}.`,
  };
}

describe('true_false batches', () => {
  it('the plan is in the prompt; a chunk that ignores it is caught by truth_balance over the batch and repaired', async () => {
    const asks: string[] = [];
    p.script(({ body }) => {
      const ask = readAsk(body);
      const plan = planOf(body);
      if (ask.repair) {
        asks.push(`repair:${ask.failing.join(',')}`);
        // The issues say which way to flip: write false statements for the flagged positions.
        expect(ask.issues).toMatch(/truth_balance/);
        return { content: JSON.stringify({ questions: ask.failing.map(() => statement(false)) }) };
      }
      asks.push(`generate:${plan.map((t) => (t ? 'T' : 'F')).join('')}`);
      expect(systemOf(body)).toMatch(/true\/false quiz questions/);
      // The first chunk follows its plan; the second (3 statements) answers all true regardless.
      const answers = plan.length === 5 ? plan : plan.map(() => true);
      return { content: JSON.stringify({ questions: answers.map(statement) }) };
    });
    const submitted = await p.submit({ topic: 'Scripted facts', count: 8, type: 'true_false' });
    const done = await p.waitFor(submitted.id, ['succeeded', 'failed']);
    expect(done.status).toBe('succeeded');
    expect(asks.filter((a) => a.startsWith('generate')).sort()).toEqual(['generate:FTF', 'generate:TFTFT']);
    const qs = done.questions ?? [];
    expect(qs).toHaveLength(8);
    for (const q of qs) expect(q).toMatchObject({ type: 'true_false', options: ['True', 'False'] });
    const trues = qs.filter((q) => 'correctAnswer' in q && q.correctAnswer === 0).length;
    expect(trues).toBeGreaterThanOrEqual(4);
    expect(trues).toBeLessThanOrEqual(4);
    // 3 + 3 true = 6 of 8 > 60%: the assemble job asked for 2 flips, in one repair call.
    const assemble = done.jobs.find((j) => j.kind === 'assemble');
    const calls = await callsOf(getDb().database, assemble?.id ?? -1);
    expect(calls.map((c) => c.kind)).toEqual(['repair']);
    expect(asks.filter((a) => a.startsWith('repair'))).toHaveLength(1);
  });

  it('uses the labels of the request language', async () => {
    p.script(({ body }) => {
      const plan = planOf(body);
      expect(JSON.stringify(body.response_format)).toContain('"enum":["Vrai","Faux"]');
      return {
        content: JSON.stringify({
          questions: plan.map((t) => ({ ...statement(t), options: ['Vrai', 'Faux'] })),
        }),
      };
    });
    const submitted = await p.submit({ topic: 'Faits', count: 4, type: 'true_false', language: 'fr' });
    const done = await p.waitFor(submitted.id, ['succeeded', 'failed']);
    expect(done.status).toBe('succeeded');
    expect(done.questions?.map((q) => q.options)).toEqual(Array.from({ length: 4 }, () => ['Vrai', 'Faux']));
  });
});

describe('multiple batches', () => {
  it('stores and returns correctAnswers, with options shuffled and the correct texts kept', async () => {
    let m = 0;
    p.script(({ body }) => {
      const ask = readAsk(body);
      expect(ask.options).toBe(5);
      const questions = Array.from({ length: ask.count }, () => {
        m += 1;
        const right = m % 2 === 0 ? 2 : 1;
        return {
          type: 'multiple',
          question: `Item ${m}: which of these scripted statements are right?`,
          options: Array.from({ length: 5 }, (_, j) => `${j < right ? 'Right' : 'Wrong'} ${j} (${m})`),
          correctAnswers: right === 2 ? [0, 1] : [0],
          explanation: `The right ones are right for item ${m}.`,
        };
      });
      return { content: JSON.stringify({ questions }) };
    });
    const submitted = await p.submit({ topic: 'Scripted choices', count: 6, type: 'multiple', options: 5 });
    const done = await p.waitFor(submitted.id, ['succeeded', 'failed']);
    expect(done.status).toBe('succeeded');
    expect(done.request.type).toBe('multiple');
    const qs = done.questions ?? [];
    const firsts = new Set<number>();
    for (const q of qs) {
      if (!('type' in q) || q.type !== 'multiple') throw new Error(`not multiple: ${JSON.stringify(q)}`);
      expect(q.options).toHaveLength(5);
      const texts = q.correctAnswers.map((i) => q.options[i] ?? '');
      for (const t of texts) expect(t).toMatch(/^Right/);
      expect(q.options.filter((o) => o.startsWith('Right')).length).toBe(texts.length);
      firsts.add(q.correctAnswers[0] ?? -1);
    }
    expect(firsts.size).toBeGreaterThan(1);
  });
});
