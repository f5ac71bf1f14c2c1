import {
  MultipleQuestionSchema,
  QUESTION_LIMITS,
  SingleQuestionSchema,
  TrueFalseQuestionSchema,
  trueFalseLabels,
  type AnyQuestion,
  type QuestionType,
} from '../../../schemas/index.js';
import { MAX_CHECKED_OPTIONS, type ExpectedShape, type Issue, type Normalisation } from './types.js';
import { resolveCorrectAnswer } from './answer.js';
import { isMetaOption } from './meta-options.js';
import { checkQuestionStructure } from './structure.js';
import { checkFlaws, type Flaw } from './flaws/index.js';
import { keyedFingerprint, type Fingerprint } from './similarity.js';
import { checkCorrectAnswers, checkEvidence, checkTrueFalseLabels } from './typed.js';
import { childPath, isPlainObject, normaliseText, ownValue, quote } from './text.js';

const L = QUESTION_LIMITS;

/** Everything learnt about one element of `questions`. */
export interface QuestionCheck {
  issues: Issue[];
  normalisations: Normalisation[];
  /** Set only when the question passes every rule on its own. */
  question: AnyQuestion | null;
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

function checkOptions(c: Collector, raw: unknown, length: number, path: string, expected: number, labels: boolean): Array<string | undefined> | null {
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
    // True/false labels are fixed words ("True", "False"), not answers that could refer to others.
    if (!labels && isMetaOption(option)) {
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
  const type: QuestionType = expect.type ?? 'single';
  const rawOptions = ownValue(value, 'options');
  const optionsLength = Array.isArray(rawOptions) ? rawOptions.length : 0;
  // A bounded view: a runaway options array is checked only up to MAX_CHECKED_OPTIONS elements.
  const view: object = optionsLength > MAX_CHECKED_OPTIONS && Array.isArray(rawOptions) ? { ...value, options: rawOptions.slice(0, MAX_CHECKED_OPTIONS) } : value;
  c.issues.push(...checkQuestionStructure(view, path, type, expect.sections !== undefined));

  const questionPath = childPath(path, 'question');
  const text = c.trimmed(ownValue(view, 'question'), questionPath);
  checkLength(c, text, questionPath, L.questionMin, L.questionMax, 'question_length');

  const optionCount = type === 'true_false' ? 2 : expect.options;
  const optionsPath = childPath(path, 'options');
  const options = checkOptions(c, ownValue(view, 'options'), optionsLength, optionsPath, optionCount, type === 'true_false');
  if (type === 'true_false') c.issues.push(...checkTrueFalseLabels(options, expect.labels ?? trueFalseLabels('en'), optionsPath));

  const answer = type === 'multiple' ? checkMultipleAnswer(c, view, options, optionsLength, optionCount, path) : checkSingleAnswer(c, view, options, optionsLength, optionCount, path);
  // A true/false "correct option" is a label, which a statement may well contain: no leak rule.
  if (type !== 'true_false') for (const index of answer ?? []) checkLeak(c, text, options?.[index], questionPath);

  const explanationPath = childPath(path, 'explanation');
  const explanation = c.trimmed(ownValue(view, 'explanation'), explanationPath);
  checkLength(c, explanation, explanationPath, L.explanationMin, L.explanationMax, 'explanation_length');

  let evidence: object = {};
  if (expect.sections !== undefined) {
    const checked = checkEvidence(ownValue(view, 'evidence'), expect.sections, childPath(path, 'evidence'));
    c.issues.push(...checked.issues);
    c.normalisations.push(...checked.normalisations);
    if (checked.evidence !== null) evidence = { evidence: checked.evidence };
  }

  const print = text === undefined || text === '' ? null : keyedFingerprint(text, type, options ?? [], answer ?? null);
  const base = { issues: c.issues, normalisations: c.normalisations, fingerprint: print, warnings: [] };
  if (c.issues.length > 0 || text === undefined || explanation === undefined || answer === undefined || options === null) {
    return { ...base, question: null };
  }
  const fields = { question: text, options, explanation };
  const candidate =
    type === 'multiple'
      ? { type, ...fields, correctAnswers: answer, ...evidence }
      : type === 'true_false'
        ? { type, ...fields, correctAnswer: answer[0], ...evidence }
        : { question: text, options, correctAnswer: answer[0], explanation, ...evidence };
  const question = finalGate(c, type, candidate, path);
  if (question === null) return { ...base, question: null };
  // A true/false statement has no distractors to cue it: the option-based flaw rules do not apply.
  if (type === 'true_false') return { ...base, question };
  return withFlaws(base, question, path, expect);
}

/**
 * The item-writing-flaw rules of a question that passed every other rule: errors (and, in strict
 * quality, warnings) reject it like any issue; other warnings ride along with it.
 */
function withFlaws(base: Omit<QuestionCheck, 'question'>, question: AnyQuestion, path: string, expect: ExpectedShape): QuestionCheck {
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

function checkSingleAnswer(c: Collector, view: object, options: Array<string | undefined> | null, length: number, expected: number, path: string): number[] | undefined {
  const raw = ownValue(view, 'correctAnswer');
  if (typeof raw !== 'number' && typeof raw !== 'string') return undefined;
  const resolved = resolveCorrectAnswer(raw, options, options === null ? expected : length, childPath(path, 'correctAnswer'));
  if (!resolved.ok) {
    c.issues.push(resolved.issue);
    return undefined;
  }
  if (resolved.normalisation !== null) c.normalisations.push(resolved.normalisation);
  return [resolved.index];
}

function checkMultipleAnswer(c: Collector, view: object, options: Array<string | undefined> | null, length: number, expected: number, path: string): number[] | undefined {
  const checked = checkCorrectAnswers(ownValue(view, 'correctAnswers'), options, options === null ? expected : length, childPath(path, 'correctAnswers'));
  c.issues.push(...checked.issues);
  c.normalisations.push(...checked.normalisations);
  return checked.answers ?? undefined;
}

const FINAL_SCHEMAS = { single: SingleQuestionSchema, multiple: MultipleQuestionSchema, true_false: TrueFalseQuestionSchema } as const;

/**
 * The stored-question contract, applied last. Unreachable while the rules above are at least as
 * strict as the type's schema; if the contract is ever tightened alone, this reports instead of
 * letting a question the API would refuse through.
 */
function finalGate(c: Collector, type: QuestionType, candidate: object, path: string): AnyQuestion | null {
  const parsed = FINAL_SCHEMAS[type].safeParse(candidate);
  if (parsed.success) return parsed.data;
  for (const issue of parsed.error.issues) {
    const at = issue.path.reduce<string>((acc, key) => (typeof key === 'symbol' ? acc : childPath(acc, key)), path);
    c.issue(at, 'schema_violation', issue.message);
  }
  return null;
}
