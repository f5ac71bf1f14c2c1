import { describe, expect, it } from 'vitest';
import {
  AnyQuestionSchema,
  BatchRequestSchema,
  MultipleQuestionSchema,
  TrueFalseQuestionSchema,
  questionsJsonSchema,
  trueFalseLabels,
} from '../../../schemas/index.js';
import { balanceQuestions } from '../../../src/quiz/balance.js';
import { truthPlan } from '../../../src/quiz/type-prompts.js';
import { validateQuizOutput } from '../../../src/quiz/validate/index.js';

const MULTI = { count: 1, options: 4, type: 'multiple' as const };
const TF = { count: 1, options: 2, type: 'true_false' as const, labels: trueFalseLabels('en') };

function multiple(over: Record<string, unknown> = {}) {
  return {
    type: 'multiple',
    question: 'Which of these are noble gases? Select all that apply.',
    options: ['Neon', 'Argon', 'Sodium', 'Iron'],
    correctAnswers: [0, 1],
    explanation: 'Neon and argon are noble gases; sodium and iron are metals.',
    ...over,
  };
}

function statement(correctAnswer: number, n = 0, over: Record<string, unknown> = {}) {
  return {
    type: 'true_false',
    question: `Statement number ${n}: water boils at 100 degrees Celsius at sea level.`,
    options: ['True', 'False'],
    correctAnswer,
    explanation: 'At standard pressure water boils at 100 °C.',
    ...over,
  };
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- walking generated JSON Schema
type Json = any;
const raw = (...questions: unknown[]) => JSON.stringify({ questions });
const codes = (r: ReturnType<typeof validateQuizOutput>) => (r.ok ? [] : r.issues.map((i) => `${i.path} ${i.code}`));

describe('multiple-answer rules', () => {
  it('accepts a valid question and returns the multiple shape', () => {
    const r = validateQuizOutput(raw(multiple()), MULTI);
    expect(r.ok).toBe(true);
    if (r.ok) expect(r.questions[0]).toEqual(multiple());
  });

  it('sorts an out-of-order list and records it', () => {
    const r = validateQuizOutput(raw(multiple({ correctAnswers: [1, 0] })), MULTI);
    expect(r.ok && r.questions[0]).toMatchObject({ correctAnswers: [0, 1] });
    expect(r.normalisations).toContainEqual({ path: 'questions[0].correctAnswers', kind: 'answers_sorted', from: [1, 0], to: [0, 1] });
  });

  it.each([
    [[], 'answers_count'],
    [[0, 1, 2, 3], 'answers_count'],
    [[1, 1], 'answers_duplicate'],
  ])('refuses correctAnswers %j (%s)', (answers, code) => {
    expect(codes(validateQuizOutput(raw(multiple({ correctAnswers: answers })), MULTI))).toEqual([`questions[0].correctAnswers ${code}`]);
  });

  it('refuses an index past the options, a missing type and a single-answer key', () => {
    expect(codes(validateQuizOutput(raw(multiple({ correctAnswers: [0, 4] })), MULTI))).toEqual(['questions[0].correctAnswers[1] answer_out_of_range']);
    const { type: _t, ...untyped } = multiple();
    expect(codes(validateQuizOutput(raw(untyped), MULTI))).toEqual(['questions[0].type missing_field']);
    expect(codes(validateQuizOutput(raw(multiple({ correctAnswer: 0 })), MULTI))).toContain('questions[0].correctAnswer unknown_key');
  });

  it('applies the leak rule to every correct option and still refuses meta-options', () => {
    const leak = multiple({ question: 'Which gases, like Argon gas, are noble gases here?', options: ['Neon gas', 'Argon gas', 'Sodium', 'Iron'] });
    expect(codes(validateQuizOutput(raw(leak), MULTI))).toEqual(['questions[0].question answer_leak']);
    const meta = multiple({ options: ['Neon', 'Argon', 'Sodium', 'All of the above'] });
    expect(codes(validateQuizOutput(raw(meta), MULTI))).toEqual(['questions[0].options[3] meta_option']);
  });

  it('the Zod contract says the same', () => {
    expect(MultipleQuestionSchema.safeParse(multiple()).success).toBe(true);
    expect(MultipleQuestionSchema.safeParse(multiple({ correctAnswers: [1, 0] })).success).toBe(false);
    expect(MultipleQuestionSchema.safeParse(multiple({ correctAnswers: [0, 1, 2, 3] })).success).toBe(false);
    expect(MultipleQuestionSchema.safeParse(multiple({ options: ['a', 'b'], correctAnswers: [0] })).success).toBe(false);
  });
});

describe('true/false rules', () => {
  it('accepts the labels of the language, in order, and resolves "True" to 0', () => {
    expect(validateQuizOutput(raw(statement(1)), TF).ok).toBe(true);
    const r = validateQuizOutput(raw(statement('True' as unknown as number)), TF);
    expect(r.ok && r.questions[0]).toMatchObject({ correctAnswer: 0 });
    const de = { ...TF, labels: trueFalseLabels('de-AT') };
    expect(validateQuizOutput(raw(statement(0, 0, { options: ['Wahr', 'Falsch'] })), de).ok).toBe(true);
  });

  it('refuses other labels, swapped labels and answers other than 0/1', () => {
    expect(codes(validateQuizOutput(raw(statement(0, 0, { options: ['False', 'True'] })), TF))).toEqual(['questions[0].options true_false_labels']);
    expect(codes(validateQuizOutput(raw(statement(0, 0, { options: ['Yes', 'No'] })), TF))).toEqual(['questions[0].options true_false_labels']);
    expect(codes(validateQuizOutput(raw(statement(2)), TF))).toEqual(['questions[0].correctAnswer answer_out_of_range']);
  });

  it('does not apply the answer-leak rule to labels', () => {
    const q = statement(0, 0, { question: 'It is True that the Moon orbits the Earth once a month.' });
    expect(validateQuizOutput(raw(q), TF).ok).toBe(true);
  });

  it('truth_balance: over n >= 4, 40-60% true; the fewest statements of the majority are flagged', () => {
    const five = { ...TF, count: 5, truthBalance: true };
    expect(validateQuizOutput(raw(...[0, 1, 0, 1, 0].map((a, i) => statement(a, i))), five).ok).toBe(true);
    const allTrue = validateQuizOutput(raw(...[0, 0, 0, 0, 0].map((a, i) => statement(a, i))), five);
    expect(codes(allTrue)).toEqual(['questions[3].correctAnswer truth_balance', 'questions[4].correctAnswer truth_balance']);
    expect(allTrue.ok ? '' : allTrue.issues[0]?.message).toMatch(/5 true statements out of 5; 2–3 must be true.*false \(correctAnswer 1\)/);
    const allFalse = validateQuizOutput(raw(...[1, 1, 1, 1].map((a, i) => statement(a, i))), { ...five, count: 4 });
    expect(codes(allFalse)).toEqual(['questions[2].correctAnswer truth_balance', 'questions[3].correctAnswer truth_balance']);
    // Fewer than 4, or replacements checked on their own: no balance rule.
    expect(validateQuizOutput(raw(...[0, 0, 0].map((a, i) => statement(a, i))), { ...five, count: 3 }).ok).toBe(true);
    expect(validateQuizOutput(raw(...[0, 0, 0, 0].map((a, i) => statement(a, i))), { ...TF, count: 4 }).ok).toBe(true);
  });

  it('the prompt plan alternates over batch positions, so every chunking gives 40-60% true', () => {
    expect(truthPlan([0, 1, 2, 3, 4])).toEqual([true, false, true, false, true]);
    for (let n = 4; n <= 50; n += 1) {
      const trues = truthPlan(Array.from({ length: n }, (_, i) => i)).filter(Boolean).length;
      expect(trues / n).toBeGreaterThanOrEqual(0.4);
      expect(trues / n).toBeLessThanOrEqual(0.6);
    }
  });

  it('the Zod contract says the same', () => {
    expect(TrueFalseQuestionSchema.safeParse(statement(1)).success).toBe(true);
    expect(TrueFalseQuestionSchema.safeParse(statement(2)).success).toBe(false);
    expect(TrueFalseQuestionSchema.safeParse({ ...statement(0), options: ['True', 'False', 'Maybe'] }).success).toBe(false);
  });
});

describe('the union and the request', () => {
  it('a single question has no type key; a typed key on it is refused', () => {
    const single = { question: 'What is the capital of France?', options: ['Paris', 'Rome'], correctAnswer: 0, explanation: 'Paris.' };
    expect(AnyQuestionSchema.safeParse(single).success).toBe(true);
    expect(AnyQuestionSchema.safeParse({ ...single, type: 'single' }).success).toBe(false);
    expect(AnyQuestionSchema.safeParse(multiple()).success).toBe(true);
    expect(AnyQuestionSchema.safeParse(statement(0)).success).toBe(true);
  });

  it('type is absent unless asked for; multiple needs 3+ options', () => {
    expect(BatchRequestSchema.parse({ topic: 'T', count: 1 })).not.toHaveProperty('type');
    expect(BatchRequestSchema.parse({ topic: 'T', count: 1, type: 'true_false' }).type).toBe('true_false');
    const r = BatchRequestSchema.safeParse({ topic: 'T', count: 1, type: 'multiple', options: 2 });
    expect(r.success).toBe(false);
    expect(r.error?.issues[0]?.path).toEqual(['options']);
    expect(BatchRequestSchema.safeParse({ topic: 'T', count: 1, type: 'essay' }).success).toBe(false);
  });
});

describe('strict JSON Schemas per type', () => {
  it('multiple: type const, 1..options-1 sorted indexes in range; true_false: the two labels as an enum', () => {
    const m = questionsJsonSchema({ type: 'multiple', count: 3, options: 5, language: 'en' }) as Json;
    const item = m.properties.questions.items;
    expect(m.properties.questions).toMatchObject({ minItems: 3, maxItems: 3 });
    expect(item.required).toEqual(['type', 'question', 'options', 'correctAnswers', 'explanation']);
    expect(item.additionalProperties).toBe(false);
    expect(item.properties.type).toEqual({ type: 'string', const: 'multiple' });
    expect(item.properties.correctAnswers).toMatchObject({ minItems: 1, maxItems: 4, items: { type: 'integer', minimum: 0, maximum: 4 } });
    const t = questionsJsonSchema({ type: 'true_false', count: 2, options: 4, language: 'fr' }) as Json;
    const tf = t.properties.questions.items;
    expect(tf.properties.options).toMatchObject({ minItems: 2, maxItems: 2, items: { enum: ['Vrai', 'Faux'] } });
    expect(tf.properties.correctAnswer).toMatchObject({ minimum: 0, maximum: 1 });
    for (const s of [m, t]) expect(JSON.stringify(s)).not.toMatch(/"(minLength|maxLength|\$schema)"/);
    expect(() => questionsJsonSchema({ type: 'multiple', count: 1, options: 2, language: 'en' })).toThrow(RangeError);
  });
});

describe('balancing per type', () => {
  it('multiple: options shuffled, correct texts kept, positions vary; true/false untouched', () => {
    const qs = Array.from({ length: 12 }, (_, i) =>
      MultipleQuestionSchema.parse(multiple({ question: `Which of these are noble gases, set ${i}?`, correctAnswers: [0, 1] })),
    );
    const out = balanceQuestions(qs, 'batch-1');
    const positions = new Set<string>();
    out.forEach((q, i) => {
      if (!('type' in q) || q.type !== 'multiple') throw new Error('type lost');
      expect(q.correctAnswers).toEqual([...q.correctAnswers].sort((a, b) => a - b));
      expect(q.correctAnswers.map((j) => q.options[j]).sort()).toEqual(['Argon', 'Neon']);
      expect([...q.options].sort()).toEqual([...(qs[i]?.options ?? [])].sort());
      positions.add(q.correctAnswers.join(','));
    });
    expect(positions.size).toBeGreaterThan(2);
    expect(balanceQuestions(qs, 'batch-1')).toEqual(out);
    const tf = [TrueFalseQuestionSchema.parse(statement(0)), TrueFalseQuestionSchema.parse(statement(1, 1))];
    expect(balanceQuestions(tf, 'x')).toEqual(tf);
  });
});

describe('evidence rules (with a source)', () => {
  const sections = [
    { id: 's1', title: 'Page 1', text: 'The mitochondrion is the power-\nhouse of the cell and makes most of its ATP.', chars: 70, page: 1 },
    { id: 's2', title: 'Page 2', text: 'Ribosomes read messenger RNA and build proteins.', chars: 48, page: 2 },
  ];
  const expectWith = { count: 1, options: 4, sections };
  const single = (evidence: unknown) => ({
    question: 'Which organelle makes most of the ATP of a cell?',
    options: ['Mitochondrion', 'Ribosome', 'Nucleus', 'Vacuole'],
    correctAnswer: 0,
    explanation: 'The material says the mitochondrion makes most ATP.',
    evidence,
  });

  it('accepts a quote across the PDF hyphenation and adds the page', () => {
    const r = validateQuizOutput(raw(single({ quote: 'the powerhouse of the cell and makes most of its ATP', sectionId: 's1' })), expectWith);
    expect(r.ok && r.questions[0]?.evidence).toEqual({ quote: 'the powerhouse of the cell and makes most of its ATP', sectionId: 's1', page: 1 });
  });

  it('attributes a quote from another section to that section', () => {
    const r = validateQuizOutput(raw(single({ quote: 'Ribosomes read messenger RNA', sectionId: 's1' })), expectWith);
    expect(r.ok && r.questions[0]?.evidence).toEqual({ quote: 'Ribosomes read messenger RNA', sectionId: 's2', page: 2 });
    expect(r.normalisations).toContainEqual({ path: 'questions[0].evidence.sectionId', kind: 'evidence_attributed', from: 's1', to: 's2' });
  });

  it('evidence_not_found, evidence_length and a missing evidence are issues', () => {
    expect(codes(validateQuizOutput(raw(single({ quote: 'Mitochondria are found only in plants.', sectionId: 's1' })), expectWith))).toEqual(['questions[0].evidence evidence_not_found']);
    expect(codes(validateQuizOutput(raw(single({ quote: 'the cell', sectionId: 's1' })), expectWith))).toEqual(['questions[0].evidence.quote evidence_length']);
    const { evidence: _e, ...bare } = single(null);
    expect(codes(validateQuizOutput(raw(bare), expectWith))).toEqual(['questions[0].evidence missing_field']);
    // Without a source, evidence is an unknown key, exactly as before.
    expect(codes(validateQuizOutput(raw(single({ quote: 'x', sectionId: 's1' })), { count: 1, options: 4 }))).toEqual(['questions[0].evidence unknown_key']);
  });

  it('a request needs a topic or a source, not both kinds of source', () => {
    expect(BatchRequestSchema.safeParse({ count: 1 }).error?.issues[0]?.path).toEqual(['topic']);
    expect(BatchRequestSchema.safeParse({ count: 1, sourceId: 'abc' }).success).toBe(true);
    expect(BatchRequestSchema.safeParse({ count: 1, sourceId: 'abc', source: { text: 'x' } }).success).toBe(false);
  });
});

describe('assignSections', () => {
  it('deals sections in order, sized by each chunk\'s questions; few sections are shared', async () => {
    const { assignSections } = await import('../../../src/quiz/plan.js');
    expect(assignSections(['s1', 's2', 's3'], [5, 1])).toEqual([['s1', 's2'], ['s3']]);
    expect(assignSections(['s1', 's2', 's3', 's4'], [5, 5])).toEqual([['s1', 's2'], ['s3', 's4']]);
    expect(assignSections(['s1'], [5, 5, 2])).toEqual([['s1'], ['s1'], ['s1']]);
    expect(assignSections(['s1', 's2'], [5, 5, 5])).toEqual([['s1'], ['s1'], ['s2']]);
  });
});
