import { QUESTION_LIMITS, QuestionSchema, type Question } from '../../../schemas/index.js';
import { MAX_CHECKED_OPTIONS, type ExpectedShape, type Issue, type Normalisation } from './types.js';
import { resolveCorrectAnswer } from './answer.js';
import { isMetaOption } from './meta-options.js';
import { checkQuestionStructure } from './structure.js';
import { checkFlaws, type Flaw } from './flaws/index.js';
import { fingerprint, type Fingerprint } from './similarity.js';
import { childPath, isPlainObject, normaliseText, ownValue, quote } from './text.js';

const L = QUESTION_LIMITS;

/** Everything learnt about one element of `questions`. */
export interface QuestionCheck {
  issues: Issue[];
  normalisations: Normalisation[];
  /** Set only when the question passes every rule on its own. */
  question: Question | null;
  /** What the near-duplicate rule compares, once the question passed. */
  fingerprint: Fingerprint | null;
  /** Item-writing-flaw warnings of a passing question (empty in strict quality). */
  warnings: Flaw[];
}

class Collector {
  readonly issues: Issue[] = [];
  readonly normalisations: Normalisation[] = [];

  issue(path: string, code: Issue['code'], message: string): void {
    this.issues.push({ path, code, message });
  }

  /** Trims a string field, recording the change; anything else is left to the structural layer. */
  trimmed(value: unknown, path: string): string | undefined {
    if (typeof value !== 'string') return undefined;
    const out = value.trim();
    if (out !== value) this.normalisations.push({ path, kind: 'trim', from: value, to: out });
    return out;
  }
}

function checkLength(c: Collector, text: string | undefined, path: string, min: number, max: number, code: Issue['code']): void {
  if (text !== undefined && (text.length < min || text.length > max)) {
    c.issue(path, code, `must be ${min}–${max} characters after trimming; got ${text.length}`);
  }
}

function checkOptions(c: Collector, raw: unknown, length: number, path: string, expected: number): Array<string | undefined> | null {
  if (!Array.isArray(raw)) return null;
  const options = raw.map((value: unknown, j) => c.trimmed(value, childPath(path, j)));
  if (length !== expected) {
    const bound = length > options.length ? ` (only the first ${options.length} were checked)` : '';
    c.issue(path, 'option_count', `must contain exactly ${expected} options; got ${length}${bound}`);
  }
  const seen = new Map<string, number>();
  options.forEach((option, j) => {
    if (option === undefined) return;
    const at = childPath(path, j);
    if (option === '') {
      c.issue(at, 'option_empty', 'must not be empty');
      return;
    }
    if (option.length > L.optionMax) c.issue(at, 'option_too_long', `must be at most ${L.optionMax} characters; got ${option.length}`);
    if (isMetaOption(option)) {
      c.issue(at, 'meta_option', `is a meta-option (${quote(option)}); every option must be a standalone answer, never "All/None of the above", "A and B" or the like`);
    }
    const key = normaliseText(option);
    const earlier = seen.get(key);
    if (earlier === undefined) seen.set(key, j);
    else c.issue(at, 'option_duplicate', `duplicates options[${earlier}] (${quote(option)}) once case, spacing and punctuation are ignored; every option must be distinct`);
  });
  return options;
}

function checkLeak(c: Collector, question: string | undefined, correct: string | undefined, path: string): void {
  if (question === undefined || correct === undefined) return;
  const answer = normaliseText(correct);
  if (answer.length >= L.leakMinLength && normaliseText(question).includes(answer)) {
    c.issue(path, 'answer_leak', `contains the text of the correct option (${quote(correct)}); rephrase the question so it does not give the answer away`);
  }
}

/**
 * Runs every rule that concerns one question on its own: the structural layer first, then the
 * domain rules on each field that has the right type, so one bad field hides no other issue.
 */
export function checkQuestion(value: unknown, index: number, expect: ExpectedShape): QuestionCheck {
  const path = childPath('questions', index);
  const c = new Collector();
  if (!isPlainObject(value)) return { issues: checkQuestionStructure(value, path), normalisations: [], question: null, fingerprint: null, warnings: [] };
  const rawOptions = ownValue(value, 'options');
  const optionsLength = Array.isArray(rawOptions) ? rawOptions.length : 0;
  // A bounded view: a runaway options array is checked only up to MAX_CHECKED_OPTIONS elements.
  const view: object = optionsLength > MAX_CHECKED_OPTIONS && Array.isArray(rawOptions) ? { ...value, options: rawOptions.slice(0, MAX_CHECKED_OPTIONS) } : value;
  c.issues.push(...checkQuestionStructure(view, path));

  const questionPath = childPath(path, 'question');
  const text = c.trimmed(ownValue(view, 'question'), questionPath);
  checkLength(c, text, questionPath, L.questionMin, L.questionMax, 'question_length');

  const options = checkOptions(c, ownValue(view, 'options'), optionsLength, childPath(path, 'options'), expect.options);

  let answerIndex: number | undefined;
  const answerRaw = ownValue(view, 'correctAnswer');
  if (typeof answerRaw === 'number' || typeof answerRaw === 'string') {
    const resolved = resolveCorrectAnswer(answerRaw, options, options === null ? expect.options : optionsLength, childPath(path, 'correctAnswer'));
    if (resolved.ok) {
      answerIndex = resolved.index;
      if (resolved.normalisation !== null) c.normalisations.push(resolved.normalisation);
    } else {
      c.issues.push(resolved.issue);
    }
  }
  const correct = answerIndex === undefined ? undefined : options?.[answerIndex];
  checkLeak(c, text, correct, questionPath);

  const explanationPath = childPath(path, 'explanation');
  const explanation = c.trimmed(ownValue(view, 'explanation'), explanationPath);
  checkLength(c, explanation, explanationPath, L.explanationMin, L.explanationMax, 'explanation_length');

  const print = text === undefined || text === '' ? null : fingerprint(text, correct ?? null);
  const base = { issues: c.issues, normalisations: c.normalisations, fingerprint: print, warnings: [] };
  if (c.issues.length > 0 || text === undefined || explanation === undefined || answerIndex === undefined || options === null) {
    return { ...base, question: null };
  }
  const question = finalGate(c, { question: text, options, correctAnswer: answerIndex, explanation }, path);
  if (question === null) return { ...base, question: null };
  return withFlaws(base, question, path, expect);
}

/**
 * The item-writing-flaw rules of a question that passed every other rule: errors (and, in strict
 * quality, warnings) reject it like any issue; other warnings ride along with it.
 */
function withFlaws(base: Omit<QuestionCheck, 'question'>, question: Question, path: string, expect: ExpectedShape): QuestionCheck {
  const strict = expect.quality === 'strict';
  const flaws = checkFlaws(question, path);
  const blocking = flaws.filter((f) => strict || f.severity === 'error');
  const issues = [...base.issues, ...blocking.map(({ path: at, code, message }) => ({ path: at, code, message }))];
  return {
    ...base,
    issues,
    question: blocking.length > 0 ? null : question,
    warnings: strict ? [] : flaws.filter((f) => f.severity === 'warning'),
  };
}

/**
 * The stored-question contract, applied last. Unreachable while the rules above are at least as
 * strict as `QuestionSchema`; if the contract is ever tightened alone, this reports instead of
 * letting a question the API would refuse through.
 */
function finalGate(c: Collector, candidate: { question: string; options: Array<string | undefined>; correctAnswer: number; explanation: string }, path: string): Question | null {
  const parsed = QuestionSchema.safeParse(candidate);
  if (parsed.success) return parsed.data;
  for (const issue of parsed.error.issues) {
    const at = issue.path.reduce<string>((acc, key) => (typeof key === 'symbol' ? acc : childPath(acc, key)), path);
    c.issue(at, 'schema_violation', issue.message);
  }
  return null;
}
