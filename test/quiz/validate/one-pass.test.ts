import { describe, expect, it } from 'vitest';
import { validateQuizOutput, formatIssuesForPrompt, type Issue } from '../../../src/quiz/validate/index.js';
import { outputText, validQuestion, validQuestions } from './factory.js';

describe('every issue in one pass, and targeted repair', () => {
  it('a type error in question 0 does not hide an out-of-range answer in question 2', () => {
    const questions = validQuestions(4);
    questions[0] = { ...validQuestion(0), question: 123 };
    questions[2] = { ...validQuestion(2), correctAnswer: 9 };
    const result = validateQuizOutput(outputText(questions), { count: 4, options: 4 });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.issues.map((i) => [i.path, i.code])).toEqual([
      ['questions[0].question', 'wrong_type'],
      ['questions[2].correctAnswer', 'answer_out_of_range'],
    ]);
    expect(result.partial.map((p) => p.index)).toEqual([1, 3]);
    expect(result.partial[0]?.question).toEqual(validQuestion(1));
  });

  it('several rules of one question are all reported, domain rules despite a type error', () => {
    const questions = validQuestions(2);
    questions[1] = {
      question: 'Short?',
      options: ['All of the above', 'Same', ' same ', 42],
      correctAnswer: 7,
      explanation: '',
      extra: true,
    };
    const result = validateQuizOutput(outputText(questions), { count: 2, options: 4 });
    if (result.ok) throw new Error('expected failure');
    const codes = result.issues.map((i: Issue) => `${i.path} ${i.code}`);
    expect(codes).toEqual(
      expect.arrayContaining([
        'questions[1].options[3] wrong_type',
        'questions[1].extra unknown_key',
        'questions[1].question question_length',
        'questions[1].options[0] meta_option',
        'questions[1].options[2] option_duplicate',
        'questions[1].correctAnswer answer_out_of_range',
        'questions[1].explanation explanation_length',
      ]),
    );
    expect(codes).toHaveLength(7);
    expect(result.partial.map((p) => p.index)).toEqual([0]);
  });

  it('partial keeps normalised valid questions even when the count is wrong', () => {
    const questions = validQuestions(2);
    questions[1] = { ...validQuestion(1), correctAnswer: 'B' };
    const result = validateQuizOutput(outputText(questions), { count: 3, options: 4 });
    if (result.ok) throw new Error('expected failure');
    expect(result.issues.map((i) => i.code)).toEqual(['question_count']);
    expect(result.partial).toEqual([
      { index: 0, question: validQuestion(0) },
      { index: 1, question: { ...validQuestion(1), correctAnswer: 1 } },
    ]);
    expect(result.normalisations).toHaveLength(1);
  });

  it('prototype-pollution keys are plain unknown keys and pollute nothing', () => {
    const body = outputText(validQuestions(1)).slice(0, -1);
    const raw = `${body}, "__proto__": {"polluted": true}, "constructor": {"prototype": {"polluted": true}}}`;
    const result = validateQuizOutput(raw, { count: 1, options: 4 });
    if (result.ok) throw new Error('expected failure');
    expect(result.issues.map((i) => [i.path, i.code])).toEqual([
      ['__proto__', 'unknown_key'],
      ['constructor', 'unknown_key'],
    ]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    const q = JSON.stringify({ ...validQuestion(0) }).slice(0, -1);
    const inner = validateQuizOutput(`{"questions": [${q}, "__proto__": {"question": 1}}]}`, { count: 1, options: 4 });
    expect(!inner.ok && inner.issues.map((i) => [i.path, i.code])).toEqual([['questions[0].__proto__', 'unknown_key']]);
  });
});

describe('formatIssuesForPrompt', () => {
  const issue = (n: number): Issue => ({ path: `questions[${n}].correctAnswer`, code: 'answer_out_of_range', message: 'must be an index of an existing option, 0–3; got 4' });

  it('one line per issue with path, code and message', () => {
    expect(formatIssuesForPrompt([issue(1)])).toBe('- questions[1].correctAnswer [answer_out_of_range]: must be an index of an existing option, 0–3; got 4');
  });

  it('bounds a long list and says how many were left out', () => {
    const text = formatIssuesForPrompt(Array.from({ length: 45 }, (_, i) => issue(i)), 40);
    const lines = text.split('\n');
    expect(lines).toHaveLength(41);
    expect(lines[40]).toBe('- … and 5 more issues of the same kinds');
  });

  it('says so when there is nothing to fix', () => {
    expect(formatIssuesForPrompt([])).toBe('(no issues)');
  });
});
