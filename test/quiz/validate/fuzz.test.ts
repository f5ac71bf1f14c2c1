import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { QuestionSchema } from '../../../schemas/index.js';
import { ISSUE_CODES, NORMALISATION_KINDS, validateQuizOutput, type ValidationResult } from '../../../src/quiz/validate/index.js';

const CODES = new Set<string>(ISSUE_CODES);
const KINDS = new Set<string>(NORMALISATION_KINDS);

/** The result contract, checked on every fuzzed result. */
function assertWellFormed(result: ValidationResult, count: number): void {
  for (const n of result.normalisations) {
    expect(typeof n.path).toBe('string');
    expect(KINDS.has(n.kind)).toBe(true);
  }
  if (result.ok) {
    expect(result.questions).toHaveLength(count);
    for (const q of result.questions) expect(QuestionSchema.safeParse(q).success).toBe(true);
    return;
  }
  expect(result.issues.length).toBeGreaterThan(0);
  for (const issue of result.issues) {
    expect(typeof issue.path).toBe('string');
    expect(CODES.has(issue.code)).toBe(true);
    expect(issue.message.length).toBeGreaterThan(0);
    expect(issue.message.length).toBeLessThan(1000);
  }
  const indexes = result.partial.map((p) => p.index);
  expect([...indexes].sort((a, b) => a - b)).toEqual(indexes);
  for (const p of result.partial) {
    expect(QuestionSchema.safeParse(p.question).success).toBe(true);
    expect(result.issues.some((i) => i.path.startsWith(`questions[${p.index}]`))).toBe(false);
  }
}

// Filler text drawn without Latin letters, so it can never spell a meta-option, and never contain
// the lettered option prefixes (no leak), whatever fast-check generates.
const FILLER = fc.string({ unit: fc.constantFrom(...'0123456789 -_#%ÄöЖж漢字é'), maxLength: 150 });
const PREFIXES = ['alpha', 'bravo', 'charlie', 'delta', 'echo', 'foxtrot'];
const LETTERS = 'ABCDEF';

interface Shape {
  count: number;
  options: number;
}

/** Valid outputs in every tolerated form: padded strings, letter/numeric/text answers, fences. */
function validOutput({ count, options }: Shape) {
  const question = fc.record({
    topic: FILLER,
    fillers: fc.array(FILLER, { minLength: options, maxLength: options }),
    answer: fc.nat({ max: options - 1 }),
    answerForm: fc.constantFrom('index', 'letter', 'numeric', 'text'),
    pad: fc.constantFrom('', ' ', '\n\t'),
    explanation: fc.string({ minLength: 1, maxLength: 900 }).filter((s) => s.trim().length > 0),
  });
  return fc.record({ questions: fc.array(question, { minLength: count, maxLength: count }), fence: fc.boolean() }).map(({ questions, fence }) => {
    const built = questions.map((q, i) => {
      // Options carry the question's index so no two questions share a correct answer (near-duplicate rule).
      const opts = q.fillers.map((f, j) => `${q.pad}${PREFIXES[j] ?? 'x'}-${i} ${f}`);
      const answer = { index: q.answer, letter: LETTERS[q.answer], numeric: String(q.answer), text: opts[q.answer] }[q.answerForm as 'index'];
      return { question: `${q.pad}Question ${i} about ${q.topic}?`, options: opts, correctAnswer: answer, explanation: q.explanation };
    });
    const text = JSON.stringify({ questions: built }, null, fence ? 2 : undefined);
    return fence ? `\`\`\`json\n${text}\n\`\`\`` : text;
  });
}

const SHAPE = fc.record({ count: fc.integer({ min: 1, max: 6 }), options: fc.integer({ min: 2, max: 6 }) });

describe('validateQuizOutput under fuzzing', () => {
  it('a valid output always passes, in any tolerated form', () => {
    fc.assert(
      fc.property(SHAPE.chain((shape) => fc.tuple(fc.constant(shape), validOutput(shape))), ([shape, raw]) => {
        const result = validateQuizOutput(raw, shape);
        if (!result.ok) throw new Error(JSON.stringify(result.issues));
        assertWellFormed(result, shape.count);
      }),
    );
  });

  it('never throws on arbitrary text', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 500 }), SHAPE, (raw, shape) => {
        assertWellFormed(validateQuizOutput(raw, shape), shape.count);
      }),
    );
  });

  it('never throws on arbitrary JSON, bare or under "questions"', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.boolean(), SHAPE, (value, wrap, shape) => {
        const raw = JSON.stringify(wrap ? { questions: value } : value) ?? 'null';
        assertWellFormed(validateQuizOutput(raw, shape), shape.count);
      }),
    );
  });

  it('never throws on valid outputs with one field mutated', () => {
    const mutation = fc.record({
      question: fc.nat(),
      key: fc.constantFrom('question', 'options', 'correctAnswer', 'explanation', '__proto__', 'constructor', 'extra'),
      value: fc.oneof(fc.jsonValue(), fc.constant(undefined), fc.array(fc.string(), { maxLength: 8 })),
    });
    fc.assert(
      fc.property(SHAPE.chain((shape) => fc.tuple(fc.constant(shape), validOutput(shape), mutation)), ([shape, raw, m]) => {
        const parsed = JSON.parse(raw.replace(/^```json\n|\n```$/g, '')) as { questions: Array<Record<string, unknown>> };
        const target = parsed.questions[m.question % shape.count];
        if (target !== undefined) Object.defineProperty(target, m.key, { value: m.value, enumerable: true, writable: true, configurable: true });
        assertWellFormed(validateQuizOutput(JSON.stringify(parsed), shape), shape.count);
      }),
    );
  });

  it('an out-of-range answer fails exactly that question and keeps all the others (targeted repair)', () => {
    fc.assert(
      fc.property(SHAPE.chain((shape) => fc.tuple(fc.constant(shape), validOutput(shape), fc.nat(), fc.integer({ min: 0, max: 50 }))), ([shape, raw, k, extra]) => {
        const parsed = JSON.parse(raw.replace(/^```json\n|\n```$/g, '')) as { questions: Array<Record<string, unknown>> };
        const bad = k % shape.count;
        const target = parsed.questions[bad];
        if (target === undefined) throw new Error('unreachable');
        target.correctAnswer = shape.options + extra;
        const result = validateQuizOutput(JSON.stringify(parsed), shape);
        if (result.ok) throw new Error('out-of-range answer accepted');
        expect(result.issues.map((i) => [i.path, i.code])).toEqual([[`questions[${bad}].correctAnswer`, 'answer_out_of_range']]);
        expect(result.partial.map((p) => p.index)).toEqual(Array.from({ length: shape.count }, (_, i) => i).filter((i) => i !== bad));
      }),
    );
  });
});

describe('validateQuizOutput on adversarial inputs', () => {
  const shape = { count: 2, options: 4 };
  const cases: Array<[string, () => string]> = [
    ['deep array nesting', () => `{"questions": ${'['.repeat(100_000)}${']'.repeat(100_000)}}`],
    ['deep object nesting in a field', () => `{"questions": [{"question": ${'{"a":'.repeat(50_000)}1${'}'.repeat(50_000)}}]}`],
    ['a huge string', () => `{"questions": [{"question": "${'q'.repeat(900_000)}"}]}`],
    ['backticks and spaces (fence scanning)', () => `\`\`\`${' '.repeat(400_000)}${'`'.repeat(400_000)}`],
    ['many tiny questions', () => `{"questions": [${Array.from({ length: 60_000 }, () => '{}').join(',')}]}`],
    ['many options', () => `{"questions": [{"options": [${Array.from({ length: 100_000 }, (_, i) => `"o${i % 7}"`).join(',')}]}]}`],
    ['lone surrogates and NULs', () => JSON.stringify({ questions: [{ question: '\uD800\u0000'.repeat(50), options: ['\uDFFF'], correctAnswer: '\uD800', explanation: '\u0000' }] })],
    ['huge numbers', () => '{"questions": [{"correctAnswer": 1e308}, {"correctAnswer": -0}, {"correctAnswer": "99999999999999999999"}]}'],
  ];

  it.each(cases)('%s: returns a result, fast', (_label, make) => {
    const raw = make();
    const started = performance.now();
    const result = validateQuizOutput(raw, shape);
    expect(performance.now() - started).toBeLessThan(3000);
    expect(result.ok).toBe(false);
    assertWellFormed(result, shape.count);
  });
});
