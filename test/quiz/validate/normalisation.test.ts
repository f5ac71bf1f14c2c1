import { describe, expect, it } from 'vitest';
import { normaliseText, validateQuizOutput, type ValidationResult } from '../../../src/quiz/validate/index.js';
import { outputText, validQuestion, validQuestions, withQuestion } from './factory.js';

const EXPECT = { count: 3, options: 4 };

function accepted(result: ValidationResult) {
  if (!result.ok) throw new Error(`expected success, got ${JSON.stringify(result.issues)}`);
  return result;
}

describe('tolerated forms', () => {
  const clean = outputText(validQuestions(3));

  it('surrounding whitespace is accepted without a record', () => {
    expect(accepted(validateQuizOutput(`\n\n  ${clean} \t\n`, EXPECT)).normalisations).toEqual([]);
  });

  it.each([
    ['```json\n', '\n```'],
    ['```JSON\n', '\n```'],
    ['```\n', '\n```'],
    ['```json', '```'],
  ])('a code fence %j … %j is removed and recorded', (open, close) => {
    const result = accepted(validateQuizOutput(`  ${open}${clean}${close}  `, EXPECT));
    expect(result.questions).toEqual(validQuestions(3));
    expect(result.normalisations).toEqual([{ path: '$', kind: 'strip_code_fence', from: open.trim(), to: '' }]);
  });

  it('a fence with another language or unbalanced is not tolerated', () => {
    for (const raw of [`\`\`\`js\n${clean}\n\`\`\``, `\`\`\`json\n${clean}`, `${clean}\n\`\`\``]) {
      const result = validateQuizOutput(raw, EXPECT);
      expect(!result.ok && result.issues.map((i) => i.code)).toEqual(['json_parse']);
    }
  });
});

describe('recorded normalisations', () => {
  it('trims every string field and records each trim', () => {
    const q = validQuestion(1);
    const raw = withQuestion(3, 1, {
      question: `  ${String(q.question)}\n`,
      options: [' Amber sample 1', 'Basalt sample 1 ', 'Cobalt sample 1', 'Dolomite sample 1'],
      explanation: `${String(q.explanation)}  `,
    });
    const result = accepted(validateQuizOutput(raw, EXPECT));
    expect(result.questions[1]).toEqual(q);
    expect(result.normalisations).toEqual([
      { path: 'questions[1].question', kind: 'trim', from: `  ${String(q.question)}\n`, to: q.question },
      { path: 'questions[1].options[0]', kind: 'trim', from: ' Amber sample 1', to: 'Amber sample 1' },
      { path: 'questions[1].options[1]', kind: 'trim', from: 'Basalt sample 1 ', to: 'Basalt sample 1' },
      { path: 'questions[1].explanation', kind: 'trim', from: `${String(q.explanation)}  `, to: q.explanation },
    ]);
  });

  it.each([
    ['B', 1, 'answer_from_letter'],
    ['d', 3, 'answer_from_letter'],
    ['2', 2, 'answer_from_numeric_string'],
    [' 0 ', 0, 'answer_from_numeric_string'],
    ['Cobalt sample 0', 2, 'answer_from_option_text'],
    ['  Dolomite sample 0 ', 3, 'answer_from_option_text'],
  ])('correctAnswer %j becomes %i (%s)', (given, index, kind) => {
    const result = accepted(validateQuizOutput(withQuestion(3, 0, { correctAnswer: given }), EXPECT));
    expect(result.questions[0]?.correctAnswer).toBe(index);
    expect(result.normalisations).toEqual([{ path: 'questions[0].correctAnswer', kind, from: given, to: index }]);
  });

  it('never reorders options', () => {
    const options = ['Zinc', 'Argon', 'Mercury', 'Boron'];
    const result = accepted(validateQuizOutput(withQuestion(3, 2, { options, correctAnswer: 3 }), EXPECT));
    expect(result.questions[2]?.options).toEqual(options);
    expect(result.questions[2]?.correctAnswer).toBe(3);
  });
});

describe('normaliseText', () => {
  it.each([
    ['  Hello   World  ', 'hello world'],
    ['Paris.', 'paris'],
    ['What is it?!', 'what is it'],
    ['Tab\tand\nnewline', 'tab and newline'],
    ['\u201CQuoted\u201D it\u2019s', '"quoted" it\'s'],
    ['ＦＵＬＬ width', 'full width'],
    ['zero\u200Bwidth', 'zerowidth'],
    ['?', '?'],
  ])('%j → %j', (input, output) => {
    expect(normaliseText(input)).toBe(output);
  });

  it('is idempotent', () => {
    for (const s of ['  A  b. ', 'X?', '...', 'Ünïcödé  Straße!']) expect(normaliseText(normaliseText(s))).toBe(normaliseText(s));
  });
});
