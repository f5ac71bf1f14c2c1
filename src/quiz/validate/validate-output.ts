import { QUIZ_LIMITS } from '../../../schemas/index.js';
import { MAX_CHECKED_QUESTIONS, type ExpectedShape, type IndexedQuestion, type Issue, type Normalisation, type AnyQuestion, type Question, type SingleShape, type ValidationResult } from './types.js';
import { truthBalanceIssues } from './typed.js';
import { parseRawOutput } from './parse.js';
import { checkQuestion, type QuestionCheck } from './question.js';
import { checkRootStructure } from './structure.js';
import { childPath, isPlainObject, ownValue } from './text.js';
import { isNearDuplicate } from './similarity.js';
import type { Flaw } from './flaws/index.js';

function assertExpectedShape(expect: ExpectedShape): void {
  const { count, options } = expect;
  if (!Number.isInteger(count) || count < QUIZ_LIMITS.minCount || count > QUIZ_LIMITS.maxCount) {
    throw new RangeError(`expect.count must be an integer ${QUIZ_LIMITS.minCount}–${QUIZ_LIMITS.maxCount}; got ${count}`);
  }
  if (!Number.isInteger(options) || options < QUIZ_LIMITS.minOptions || options > QUIZ_LIMITS.maxOptions) {
    throw new RangeError(`expect.options must be an integer ${QUIZ_LIMITS.minOptions}–${QUIZ_LIMITS.maxOptions}; got ${options}`);
  }
  if (expect.type === 'multiple' && options < 3) throw new RangeError(`expect.options must be 3–${QUIZ_LIMITS.maxOptions} for multiple; got ${options}`);
}

/** Later questions that ask the same as an earlier one (near-duplicates) lose their place in `partial`. */
function flagDuplicates(checks: QuestionCheck[]): void {
  const kept: number[] = [];
  checks.forEach((check, index) => {
    const print = check.fingerprint;
    if (print === null) return;
    const earlier = kept.find((k) => {
      const other = checks[k]?.fingerprint;
      return other != null && isNearDuplicate(other, print);
    });
    if (earlier === undefined) {
      kept.push(index);
      return;
    }
    check.issues.push({ path: childPath(childPath('questions', index), 'question'), code: 'duplicate_question', message: duplicateMessage(earlier) });
    check.question = null;
  });
}

/** The repair instruction for a near-duplicate of `questions[earlier]`. */
export function duplicateMessage(earlier: number): string {
  return `asks the same as questions[${earlier}] (the same or a paraphrased question); replace it with a question on a different fact, not a rewording`;
}

/** The 40–60% true rule over a complete true/false set: flagged statements lose their place. */
function flagTruthBalance(checks: QuestionCheck[]): void {
  const answers = checks.map((check) => (check.question !== null && 'correctAnswer' in check.question ? check.question.correctAnswer : null));
  for (const issue of truthBalanceIssues(answers)) {
    const index = Number(/\[(\d+)\]/.exec(issue.path)?.[1]);
    const check = checks[index];
    if (check === undefined) continue;
    check.issues.push(issue);
    check.question = null;
  }
}

function failure(
  issues: Issue[],
  normalisations: Normalisation[],
  partial: Array<IndexedQuestion<AnyQuestion>>,
  warnings: Flaw[] = [],
): ValidationResult<AnyQuestion> {
  return { ok: false, issues, normalisations, partial, warnings };
}

/**
 * The single gate between model text and the rest of the system: parse → normalise → validate.
 * Never throws on any `raw`; reports every issue of the output in one pass, and on failure returns
 * the individually valid questions (`partial`) so the pipeline regenerates only the failing ones.
 * Throws a RangeError only for an impossible `expect`, which is a caller bug.
 */
export function validateQuizOutput(raw: string, expect: SingleShape): ValidationResult<Question>;
export function validateQuizOutput(raw: string, expect: ExpectedShape): ValidationResult<AnyQuestion>;
export function validateQuizOutput(raw: string, expect: ExpectedShape): ValidationResult<AnyQuestion> {
  assertExpectedShape(expect);
  if (typeof raw !== 'string') {
    return failure([{ path: '$', code: 'wrong_type', message: 'output must be text' }], [], []);
  }
  const parsed = parseRawOutput(raw);
  if (!parsed.ok) return failure([parsed.issue], [], []);

  const issues = checkRootStructure(parsed.value);
  const normalisations = [...parsed.normalisations];
  const questions = isPlainObject(parsed.value) ? ownValue(parsed.value, 'questions') : undefined;
  if (!Array.isArray(questions)) return failure(issues, normalisations, []);

  const checked = questions.slice(0, MAX_CHECKED_QUESTIONS);
  if (questions.length !== expect.count) {
    const bound = questions.length > checked.length ? ` (only the first ${checked.length} were checked)` : '';
    issues.push({ path: 'questions', code: 'question_count', message: `must contain exactly ${expect.count} question${expect.count === 1 ? '' : 's'}; got ${questions.length}${bound}` });
  }
  const checks = checked.map((value: unknown, index) => checkQuestion(value, index, expect));
  flagDuplicates(checks);
  if (expect.type === 'true_false' && expect.truthBalance === true && questions.length === expect.count) {
    flagTruthBalance(checks);
  }

  const partial: Array<IndexedQuestion<AnyQuestion>> = [];
  const warnings: Flaw[] = [];
  checks.forEach((check, index) => {
    issues.push(...check.issues);
    normalisations.push(...check.normalisations);
    if (check.question !== null) {
      partial.push({ index, question: check.question });
      warnings.push(...check.warnings);
    }
  });
  if (issues.length === 0) return { ok: true, questions: partial.map((p) => p.question), normalisations, warnings };
  return failure(issues, normalisations, partial, warnings);
}
