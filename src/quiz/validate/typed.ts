import { QUESTION_LIMITS, type Evidence } from '../../../schemas/index.js';
import { findEvidence } from '../../sources/evidence.js';
import type { Section } from '../../sources/types.js';
import { resolveCorrectAnswer } from './answer.js';
import type { Issue, Normalisation } from './types.js';
import { childPath, quote } from './text.js';

const L = QUESTION_LIMITS;

export interface AnswersCheck {
  issues: Issue[];
  normalisations: Normalisation[];
  /** The sorted, unique indexes once every rule holds. */
  answers: number[] | null;
}

/**
 * `correctAnswers` of a multiple-answer question: every entry read like `correctAnswer` (index,
 * numeric string, letter, exact option text), then 1…options−1 unique entries. A list that is
 * right but out of order is sorted and the change recorded; a repeated entry is an issue.
 */
export function checkCorrectAnswers(
  raw: unknown,
  options: ReadonlyArray<string | undefined> | null,
  optionCount: number,
  path: string,
): AnswersCheck {
  const out: AnswersCheck = { issues: [], normalisations: [], answers: null };
  if (!Array.isArray(raw)) return out;
  const indexes: number[] = [];
  raw.slice(0, 12).forEach((value: unknown, j) => {
    if (typeof value !== 'number' && typeof value !== 'string') return;
    const resolved = resolveCorrectAnswer(value, options, optionCount, childPath(path, j));
    if (!resolved.ok) out.issues.push(resolved.issue);
    else {
      indexes.push(resolved.index);
      if (resolved.normalisation !== null) out.normalisations.push(resolved.normalisation);
    }
  });
  if (out.issues.length > 0 || indexes.length !== raw.length) return out;
  const unique = [...new Set(indexes)];
  if (unique.length !== indexes.length) {
    out.issues.push({ path, code: 'answers_duplicate', message: `must list each correct option once; got ${JSON.stringify(indexes)}` });
    return out;
  }
  if (unique.length < 1 || unique.length > optionCount - 1) {
    out.issues.push({
      path,
      code: 'answers_count',
      message: `must list 1–${optionCount - 1} correct options (at least one option must be wrong); got ${unique.length}`,
    });
    return out;
  }
  const sorted = [...unique].sort((a, b) => a - b);
  if (sorted.some((v, i) => v !== indexes[i])) out.normalisations.push({ path, kind: 'answers_sorted', from: indexes, to: sorted });
  out.answers = sorted;
  return out;
}

/** The two options of a true/false question must be exactly the request language's labels, in order. */
export function checkTrueFalseLabels(options: ReadonlyArray<string | undefined> | null, labels: readonly [string, string], path: string): Issue[] {
  if (options === null || options.length !== 2) return [];
  if (options[0] === labels[0] && options[1] === labels[1]) return [];
  const got = options.map((o) => quote(o ?? '')).join(', ');
  return [{ path, code: 'true_false_labels', message: `must be exactly ["${labels[0]}", "${labels[1]}"] in this order; got [${got}]` }];
}

/**
 * Over n ≥ 4 true/false statements, 40–60% must be true. When the set is off, the fewest statements
 * needed to bring it into range are flagged (the last ones of the majority), each told which way to
 * flip, so the repair rewrites only those.
 */
export function truthBalanceIssues(answers: ReadonlyArray<number | null>): Issue[] {
  const n = answers.length;
  if (n < L.truthBalanceMinCount || answers.some((a) => a === null)) return [];
  const trues = answers.filter((a) => a === 0).length;
  const min = Math.ceil(L.truthMinShare * n);
  const max = Math.floor(L.truthMaxShare * n);
  if (trues >= min && trues <= max) return [];
  const tooMany = trues > max;
  const flips = tooMany ? trues - max : min - trues;
  const majority = tooMany ? 0 : 1;
  const positions = answers.flatMap((a, i) => (a === majority ? [i] : [])).slice(-flips);
  const want = tooMany ? 'false (correctAnswer 1)' : 'true (correctAnswer 0)';
  return positions.map((i) => ({
    path: childPath(childPath('questions', i), 'correctAnswer'),
    code: 'truth_balance' as const,
    message: `the set has ${trues} true statements out of ${n}; ${min}–${max} must be true, so replace this one with a new statement that is ${want}`,
  }));
}

export interface EvidenceCheck {
  issues: Issue[];
  normalisations: Normalisation[];
  evidence: Evidence | null;
}

/**
 * A question's `evidence` against the source: a 20–400 character quote that occurs (after
 * `normaliseForMatch`) in some section. Found in another section than claimed, it is attributed
 * to that one and the change recorded; found nowhere, `evidence_not_found`.
 */
export function checkEvidence(raw: unknown, sections: readonly Section[], path: string): EvidenceCheck {
  const out: EvidenceCheck = { issues: [], normalisations: [], evidence: null };
  if (raw === null || typeof raw !== 'object') return out;
  const v = raw as { quote?: unknown; sectionId?: unknown };
  if (typeof v.quote !== 'string' || typeof v.sectionId !== 'string') return out;
  const quote = v.quote.trim();
  const at = childPath(path, 'quote');
  if (quote.length < L.quoteMin || quote.length > L.quoteMax) {
    out.issues.push({ path: at, code: 'evidence_length', message: `must be ${L.quoteMin}–${L.quoteMax} characters; got ${quote.length}` });
    return out;
  }
  const match = findEvidence(quote, sections, v.sectionId);
  if (match === null) {
    out.issues.push({
      path,
      code: 'evidence_not_found',
      message: `the quote ${quote_(quote)} does not occur in the material; copy a passage verbatim from the section that supports the correct answer`,
    });
    return out;
  }
  if (match.sectionId !== v.sectionId) out.normalisations.push({ path: childPath(path, 'sectionId'), kind: 'evidence_attributed', from: v.sectionId, to: match.sectionId });
  out.evidence = { quote, ...match };
  return out;
}

function quote_(text: string): string {
  return quote(text.length > 80 ? `${text.slice(0, 77)}…` : text);
}
