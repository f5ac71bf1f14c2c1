import { describe, expect, it } from 'vitest';
import { validateQuizOutput, type Issue, type ValidationResult } from '../../../src/quiz/validate/index.js';
import { outputText, validQuestion, validQuestions, withQuestion } from './factory.js';

const EXPECT = { count: 3, options: 4 };

function issuesOf(result: ValidationResult): Issue[] {
  if (result.ok) throw new Error(`expected a failure, got ${JSON.stringify(result.questions)}`);
  return result.issues;
}

function only(raw: string, expectShape = EXPECT): Issue {
  const issues = issuesOf(validateQuizOutput(raw, expectShape));
  expect(issues).toHaveLength(1);
  const [issue] = issues;
  if (issue === undefined) throw new Error('unreachable');
  return issue;
}

describe('validateQuizOutput: one rule at a time', () => {
  it('accepts a valid output unchanged', () => {
    const questions = validQuestions(3);
    const result = validateQuizOutput(outputText(questions), EXPECT);
    expect(result).toEqual({ ok: true, questions, normalisations: [], warnings: [] });
  });

  it('json_parse: prose around the object', () => {
    const issue = only(`Sure! Here is your quiz: ${outputText(validQuestions(3))}`);
    expect(issue).toMatchObject({ path: '$', code: 'json_parse' });
    expect(issue.message).toContain('no prose');
  });

  it('json_parse: empty and truncated output', () => {
    expect(only('   ').code).toBe('json_parse');
    expect(only(outputText(validQuestions(3)).slice(0, -5)).code).toBe('json_parse');
  });

  it('input_too_large: a runaway generation', () => {
    expect(only(`{"questions": ["${'x'.repeat(1_100_000)}"]}`).code).toBe('input_too_large');
  });

  it('wrong_type: root is an array, null or a string', () => {
    for (const raw of ['[]', 'null', '"quiz"', '42']) {
      expect(only(raw)).toMatchObject({ path: '$', code: 'wrong_type' });
    }
  });

  it('missing_field and wrong_type on questions', () => {
    expect(only('{}')).toMatchObject({ path: 'questions', code: 'missing_field' });
    expect(only('{"questions": {}}')).toMatchObject({ path: 'questions', code: 'wrong_type', message: 'must be an array of question objects; got an object' });
  });

  it('unknown_key at the root and in a question', () => {
    expect(only(outputText(validQuestions(3), { notes: 'hi' }))).toMatchObject({ path: 'notes', code: 'unknown_key' });
    expect(only(withQuestion(3, 1, { hint: 'x' }))).toMatchObject({ path: 'questions[1].hint', code: 'unknown_key' });
  });

  it('missing_field and wrong_type inside a question', () => {
    const questions = validQuestions(3);
    const { explanation: _dropped, ...rest } = validQuestion(2);
    questions[2] = { ...rest, explanation: undefined };
    expect(only(outputText(questions))).toMatchObject({ path: 'questions[2].explanation', code: 'missing_field' });
    expect(only(withQuestion(3, 0, { question: 7 }))).toMatchObject({ path: 'questions[0].question', code: 'wrong_type', message: 'must be a string; got an integer' });
    expect(only(withQuestion(3, 0, { correctAnswer: true }))).toMatchObject({ path: 'questions[0].correctAnswer', code: 'wrong_type' });
    expect(only(withQuestion(3, 0, { correctAnswer: 1.5 }))).toMatchObject({ path: 'questions[0].correctAnswer', code: 'wrong_type' });
    expect(only(withQuestion(3, 1, { options: ['a1', 2, 'c1', 'd1'] }))).toMatchObject({ path: 'questions[1].options[1]', code: 'wrong_type' });
  });

  it('wrong_type: a question that is not an object', () => {
    const questions: unknown[] = validQuestions(3);
    questions[1] = 'What is it?';
    expect(only(outputText(questions))).toMatchObject({ path: 'questions[1]', code: 'wrong_type' });
  });

  it('question_count: too few and too many', () => {
    expect(only(outputText(validQuestions(2)))).toMatchObject({ path: 'questions', code: 'question_count', message: 'must contain exactly 3 questions; got 2' });
    expect(only(outputText(validQuestions(4))).message).toBe('must contain exactly 3 questions; got 4');
  });

  it('question_count: a runaway output is checked only up to a bound', () => {
    const questions: unknown[] = [...validQuestions(3), ...Array.from({ length: 500 }, () => ({}))];
    const result = validateQuizOutput(outputText(questions), EXPECT);
    const issues = issuesOf(result);
    expect(issues[0]).toEqual({ path: 'questions', code: 'question_count', message: 'must contain exactly 3 questions; got 503 (only the first 100 were checked)' });
    expect(issues.some((i) => i.path.startsWith('questions[100]'))).toBe(false);
    expect(issues.some((i) => i.path.startsWith('questions[99]'))).toBe(true);
    expect(!result.ok && result.partial.map((p) => p.index)).toEqual([0, 1, 2]);
  });

  it('option_count: a runaway options array is checked only up to a bound', () => {
    const options = Array.from({ length: 1000 }, (_, i) => (i === 500 ? 7 : `Option ${i}`));
    const issues = issuesOf(validateQuizOutput(withQuestion(3, 0, { options }), EXPECT));
    expect(issues).toEqual([{ path: 'questions[0].options', code: 'option_count', message: 'must contain exactly 4 options; got 1000 (only the first 12 were checked)' }]);
  });

  it('option_count', () => {
    const q = validQuestion(0);
    const issue = only(withQuestion(3, 0, { options: (q.options as string[]).slice(0, 3) }));
    expect(issue).toEqual({ path: 'questions[0].options', code: 'option_count', message: 'must contain exactly 4 options; got 3' });
  });

  it('question_length: after trimming, both ends', () => {
    expect(only(withQuestion(3, 0, { question: '  Why so?  ' }))).toMatchObject({ path: 'questions[0].question', code: 'question_length', message: 'must be 10–500 characters after trimming; got 7' });
    expect(only(withQuestion(3, 0, { question: `${'Q'.repeat(500)}?` })).code).toBe('question_length');
    expect(validateQuizOutput(withQuestion(3, 0, { question: 'Q'.repeat(500) }), EXPECT).ok).toBe(true);
    expect(validateQuizOutput(withQuestion(3, 0, { question: 'Q'.repeat(10) }), EXPECT).ok).toBe(true);
  });

  it('explanation_length: empty and over 1000', () => {
    expect(only(withQuestion(3, 2, { explanation: '   ' }))).toMatchObject({ path: 'questions[2].explanation', code: 'explanation_length' });
    expect(only(withQuestion(3, 2, { explanation: 'e'.repeat(1001) })).code).toBe('explanation_length');
    expect(validateQuizOutput(withQuestion(3, 2, { explanation: 'e'.repeat(1000) }), EXPECT).ok).toBe(true);
  });

  it('option_empty', () => {
    expect(only(withQuestion(3, 1, { options: ['One thing', ' ', 'Other thing', 'Last thing'] }))).toMatchObject({ path: 'questions[1].options[1]', code: 'option_empty' });
  });

  it('option_too_long', () => {
    const issue = only(withQuestion(3, 0, { options: ['x'.repeat(201), 'b1', 'c1', 'd1'], correctAnswer: 1 }));
    expect(issue).toEqual({ path: 'questions[0].options[0]', code: 'option_too_long', message: 'must be at most 200 characters; got 201' });
    expect(validateQuizOutput(withQuestion(3, 0, { options: ['xy'.repeat(100), 'b1', 'c1', 'd1'], correctAnswer: 1 }), EXPECT).ok).toBe(true);
  });

  it('option_duplicate: ignoring case, spacing and trailing punctuation', () => {
    const issue = only(withQuestion(3, 0, { options: ['New  York', 'Boston', 'new york.', 'Denver'], correctAnswer: 1 }));
    expect(issue).toMatchObject({ path: 'questions[0].options[2]', code: 'option_duplicate' });
    expect(issue.message).toContain('options[0]');
  });

  it('meta_option', () => {
    const issue = only(withQuestion(3, 0, { options: ['Oak', 'Pine', 'Birch', 'None of the above.'], correctAnswer: 0 }));
    expect(issue).toMatchObject({ path: 'questions[0].options[3]', code: 'meta_option' });
  });

  it('answer_out_of_range: index, negative, letter and numeric string', () => {
    const at = { path: 'questions[1].correctAnswer', code: 'answer_out_of_range' };
    expect(only(withQuestion(3, 1, { correctAnswer: 4 }))).toEqual({ ...at, message: 'must be an index of an existing option, 0–3; got 4' });
    expect(only(withQuestion(3, 1, { correctAnswer: -1 }))).toMatchObject(at);
    expect(only(withQuestion(3, 1, { correctAnswer: 'E' }))).toMatchObject(at);
    expect(only(withQuestion(3, 1, { correctAnswer: '9' }))).toMatchObject(at);
  });

  it('answer_unresolved: a string that names no option', () => {
    expect(only(withQuestion(3, 1, { correctAnswer: 'the second one' }))).toMatchObject({ path: 'questions[1].correctAnswer', code: 'answer_unresolved' });
    expect(only(withQuestion(3, 1, { correctAnswer: '' })).code).toBe('answer_unresolved');
  });

  it('answer_ambiguous: letter C when option 0 is the text "C"', () => {
    const issue = only(withQuestion(3, 0, { options: ['C', 'Java', 'Rust', 'Go'], correctAnswer: 'C' }));
    expect(issue).toMatchObject({ path: 'questions[0].correctAnswer', code: 'answer_ambiguous' });
    expect(issue.message).toContain('index 2 or 0');
  });

  it('answer_leak: the correct option (8+ chars) inside the question', () => {
    const leak = { question: 'Which organelle, the mitochondria, makes most ATP?', options: ['Ribosome', 'Mitochondria', 'Nucleus', 'Lysosome'], correctAnswer: 1 };
    expect(only(withQuestion(3, 0, leak))).toMatchObject({ path: 'questions[0].question', code: 'answer_leak' });
    // "Iron" is under 8 characters: short answers may appear in the question without counting as a leak.
    const short = { question: 'Which metal is Fe, the symbol for iron?', options: ['Iron', 'Tin', 'Lead', 'Zinc'], correctAnswer: 0 };
    expect(validateQuizOutput(withQuestion(3, 0, short), EXPECT).ok).toBe(true);
  });

  it('duplicate_question: same normalised text, the later one is flagged', () => {
    const questions = validQuestions(3);
    questions[2] = { ...validQuestion(2), question: `  ${String(validQuestion(0).question).toUpperCase()}  ` };
    const result = validateQuizOutput(outputText(questions), EXPECT);
    const issues = issuesOf(result);
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({ path: 'questions[2].question', code: 'duplicate_question' });
    expect(issues[0]?.message).toContain('questions[0]');
    expect(!result.ok && result.partial.map((p) => p.index)).toEqual([0, 1]);
  });

  it('accepts any option count 2–6 when it matches', () => {
    for (const options of [2, 3, 5, 6]) {
      expect(validateQuizOutput(outputText(validQuestions(3, options)), { count: 3, options }).ok).toBe(true);
    }
  });

  it('refuses an impossible expectation as a caller bug', () => {
    expect(() => validateQuizOutput('{}', { count: 0, options: 4 })).toThrow(RangeError);
    expect(() => validateQuizOutput('{}', { count: 3, options: 7 })).toThrow(RangeError);
  });
});
