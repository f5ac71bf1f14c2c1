import type { Question } from '../../schemas/quiz-output.js';
import { trueFalseLabels, type AnyQuestion, type QuestionType } from '../../schemas/question.js';
import type { Section } from '../sources/types.js';
import { duplicateMessage, isNearDuplicate, questionFingerprint, validateQuizOutput } from './validate/index.js';
import type { Flaw, Issue, Normalisation, QualityLevel } from './validate/index.js';
import { clashWith, duplicateOfExisting, type ExistingQuestion } from './existing.js';

/**
 * The repair loop's working state for one job: which positions hold an accepted question, what the
 * model last said for the others, and what is wrong with them. JSON-serialisable: it is stored with
 * every model call so a retried, crashed or DLQ-replayed job resumes where it left off.
 */
export interface DraftState {
  count: number;
  options: number;
  /** The question type and language (for true/false labels); absent on single drafts, as before types. */
  type?: QuestionType;
  language?: string;
  /** Accepted (individually valid) questions; null where a replacement is still needed. */
  accepted: Array<AnyQuestion | null>;
  /** What the model last produced at each position (accepted question, rejected raw item, or null). */
  items: unknown[];
  /** Issues of the draft, with paths in draft indexing (`questions[3].options`). */
  issues: Issue[];
  /** Positions to regenerate next, ascending. */
  failing: number[];
  /** The text shown to the model as its previous answer in the next repair turn; null = nothing yet. */
  previous: string | null;
  /** Answers cut off by the token limit so far; each one doubles the next limit. */
  truncations: number;
  /** The final questions once every rule holds for the whole draft. */
  done: AnyQuestion[] | null;
  /** `strict`: item-writing-flaw warnings are repaired too. Absent in drafts stored before it existed. */
  quality?: QualityLevel;
  /** The flaw warnings of the accepted questions, as of the last whole-draft check. */
  warnings?: Flaw[];
  /** Key verification per position (`verify-call.ts`); absent in drafts stored before it existed. */
  verification?: VerificationState;
}

/** How a position's key was vouched for; null = not yet verified. */
export type VerifyMark = 'model' | 'human' | 'unverified' | 'off';

/** The verification state of a draft, stored with every call so a resumed job does not verify twice. */
export interface VerificationState {
  marks: Array<VerifyMark | null>;
  /** Unusable verifier answers per position since the position last changed (one retry, then unverified). */
  unusable: number[];
}

/** What a draft holds beyond its size; `{}` for single questions at standard quality. */
export interface DraftKind {
  type?: QuestionType | undefined;
  language?: string | undefined;
  quality?: QualityLevel | undefined;
}

/** The validator's expectation for `count` questions of this draft; `whole` adds the set-wide rules. */
function expectation(draft: DraftState, count: number, whole: boolean, sections: readonly Section[] | undefined) {
  const withSource = sections === undefined ? {} : { sections };
  const quality = draft.quality ?? 'standard';
  if (draft.type === undefined || draft.type === 'single') return { count, options: draft.options, quality, ...withSource };
  return { count, options: draft.options, quality, type: draft.type, labels: trueFalseLabels(draft.language ?? 'en'), truthBalance: whole, ...withSource };
}

/** A fresh draft: nothing accepted, everything to generate. */
export function emptyDraft(count: number, options: number, kind: DraftKind = {}): DraftState {
  const quality = kind.quality ?? 'standard';
  return {
    quality,
    count,
    options,
    ...(kind.type === undefined || kind.type === 'single' ? {} : { type: kind.type, language: kind.language ?? 'en' }),
    accepted: new Array<AnyQuestion | null>(count).fill(null),
    items: new Array<unknown>(count).fill(null),
    issues: [],
    failing: range(count),
    previous: null,
    truncations: 0,
    done: null,
  };
}

/**
 * A draft made of already-valid questions (assemble's input): runs the whole-draft rules (duplicates
 * across chunks) and marks the positions that need a replacement.
 */
export function draftFromQuestions(questions: readonly AnyQuestion[], options: number, kind: DraftKind = {}, sections?: readonly Section[]): DraftState {
  const draft = emptyDraft(questions.length, options, kind);
  draft.accepted = [...questions];
  draft.items = [...questions];
  draft.failing = [];
  const next = checkWhole(draft, new Set(), sections);
  if (next.done === null) next.previous = JSON.stringify({ questions: next.items }, null, 2);
  return next;
}

export interface AppliedOutput {
  draft: DraftState;
  /** Issues of this answer, in draft indexing (what the transcript records for the call). */
  issues: Issue[];
  normalisations: Normalisation[];
}

/**
 * Folds one model answer for `targets` (the positions it was asked for, in order) into the draft:
 * its valid questions are accepted at their positions, the rest stay failing. Then the whole-draft
 * rules run once every position is filled. Never throws on any `raw`.
 */
export function applyOutput(
  draft: DraftState,
  targets: readonly number[],
  raw: string,
  sections?: readonly Section[],
  existing: readonly ExistingQuestion[] = [],
): AppliedOutput {
  const v = validateQuizOutput(raw, expectation(draft, targets.length, false, sections));
  const rawItems = lenientItems(raw);
  const accepted = [...draft.accepted];
  const items = [...draft.items];
  targets.forEach((pos, j) => {
    accepted[pos] = null;
    items[pos] = rawItems[j] ?? null;
  });
  const valid = v.ok ? v.questions.map((question, index) => ({ index, question })) : v.partial;
  const allTargets = targets.length === draft.count;
  const issues = v.ok ? [] : v.issues.map((issue) => remapIssue(issue, targets, allTargets));
  for (const { index, question } of valid) {
    const pos = targets[index];
    if (pos === undefined) continue;
    items[pos] = question;
    const earlier = clashWith(question, existing);
    if (earlier === null) accepted[pos] = question;
    else issues.push(duplicateOfExisting(pos, earlier));
  }
  const base: DraftState = {
    ...draft,
    accepted,
    items,
    issues,
    failing: accepted.flatMap((q, i) => (q === null ? [i] : [])),
    // After a full answer its own text is the clearest "previous output"; after a partial one,
    // the merged draft is, since issue paths refer to draft positions.
    previous: allTargets ? raw : JSON.stringify({ questions: items }, null, 2),
    done: null,
  };
  const next = base.failing.length === 0 ? checkWhole(base, new Set(targets), sections) : base;
  return { draft: next, issues: next.done ? issues : mergeIssues(issues, next.issues), normalisations: v.normalisations };
}

/** Counts a cut-off answer: nothing is accepted from it, and the next call gets a larger budget. */
export function applyTruncation(draft: DraftState): DraftState {
  return { ...draft, truncations: draft.truncations + 1 };
}

/**
 * Runs every rule on the complete draft and rejects the positions an issue points at. Duplicates
 * are resolved here rather than by the validator's "later one loses": the copy to keep is one the
 * model was not just asked for (`fresh`), so a replacement never evicts an already-accepted question.
 */
function checkWhole(draft: DraftState, fresh: ReadonlySet<number> = new Set(), sections?: readonly Section[]): DraftState {
  const v = validateQuizOutput(JSON.stringify({ questions: draft.accepted }), expectation(draft, draft.count, true, sections));
  if (v.ok) return { ...draft, issues: [], failing: [], done: v.questions, warnings: v.warnings };
  const failing = new Set<number>();
  const issues: Issue[] = [];
  for (const issue of v.issues) {
    if (issue.code === 'duplicate_question') continue;
    issues.push(issue);
    const pos = positionOf(issue.path);
    if (pos !== null && pos < draft.count) failing.add(pos);
  }
  for (const dup of duplicateLosers(draft.accepted, fresh)) {
    failing.add(dup.position);
    issues.push({
      path: `questions[${dup.position}].question`,
      code: 'duplicate_question',
      message: duplicateMessage(dup.keeper),
    });
  }
  if (failing.size === 0) for (const i of range(draft.count)) failing.add(i);
  const accepted = draft.accepted.map((q, i) => (failing.has(i) ? null : q));
  return {
    ...draft,
    accepted,
    issues,
    failing: [...failing].sort((a, b) => a - b),
    previous: JSON.stringify({ questions: draft.items }, null, 2),
    done: null,
  };
}

/**
 * Near-duplicates among the accepted questions: questions not just asked for (not `fresh`) are
 * kept first, in order, then the fresh ones; each question that asks the same as one already kept
 * is rejected, naming that keeper.
 */
function duplicateLosers(
  accepted: ReadonlyArray<AnyQuestion | null>,
  fresh: ReadonlySet<number>,
): Array<{ position: number; keeper: number }> {
  const positions = accepted.flatMap((q, i) => (q === null ? [] : [i]));
  const order = [...positions.filter((i) => !fresh.has(i)), ...positions.filter((i) => fresh.has(i))];
  const prints = new Map(positions.map((i) => [i, questionFingerprint(accepted[i] as Question)]));
  const kept: number[] = [];
  const losers: Array<{ position: number; keeper: number }> = [];
  for (const position of order) {
    const print = prints.get(position);
    const keeper = print === undefined ? undefined : kept.find((k) => { const other = prints.get(k); return other !== undefined && isNearDuplicate(other, print); });
    if (keeper === undefined) kept.push(position);
    else losers.push({ position, keeper });
  }
  return losers;
}

const POSITION = /^questions\[(\d+)\]/;
const POSITION_ANYWHERE = /questions\[(\d+)\]/g;

function positionOf(path: string): number | null {
  const m = POSITION.exec(path);
  return m?.[1] === undefined ? null : Number(m[1]);
}

/**
 * Rewrites `questions[j]` (answer indexing) to `questions[targets[j]]` (draft indexing). Issues about
 * the answer as a whole (unparseable, wrong count) say so when the answer covered only some positions.
 */
function remapIssue(issue: Issue, targets: readonly number[], wholeDraft: boolean): Issue {
  if (!POSITION.test(issue.path)) {
    return wholeDraft ? issue : { ...issue, message: `in your last answer: ${issue.message}` };
  }
  const map = (text: string) =>
    text.replace(POSITION_ANYWHERE, (whole, j: string) => {
      const pos = targets[Number(j)];
      return pos === undefined ? whole : `questions[${pos}]`;
    });
  return { ...issue, path: map(issue.path), message: map(issue.message) };
}

function mergeIssues(a: readonly Issue[], b: readonly Issue[]): Issue[] {
  const seen = new Set<string>();
  const out: Issue[] = [];
  for (const issue of [...a, ...b]) {
    const key = `${issue.path}\u0000${issue.code}\u0000${issue.message}`;
    if (!seen.has(key)) {
      seen.add(key);
      out.push(issue);
    }
  }
  return out;
}

/** Best-effort array of the answer's question items, only to show rejected items back to the model. */
function lenientItems(raw: string): unknown[] {
  let text = raw.trim();
  if (text.startsWith('```')) text = text.replace(/^```[A-Za-z]*\s*/, '').replace(/```$/, '').trim();
  if (text.length > 1_000_000) return [];
  try {
    const value: unknown = JSON.parse(text);
    if (value !== null && typeof value === 'object' && 'questions' in value && Array.isArray(value.questions)) {
      return value.questions as unknown[];
    }
  } catch {
    // Unparseable answers have no items; the issue list says why.
  }
  return [];
}

/** True when `value` looks like a DraftState written by this module (state read back from the database). */
export function isDraftState(value: unknown): value is DraftState {
  if (value === null || typeof value !== 'object') return false;
  const v = value as Record<string, unknown>;
  return (
    typeof v.count === 'number' &&
    typeof v.options === 'number' &&
    Array.isArray(v.accepted) &&
    Array.isArray(v.items) &&
    Array.isArray(v.issues) &&
    Array.isArray(v.failing) &&
    (v.previous === null || typeof v.previous === 'string') &&
    typeof v.truncations === 'number' &&
    (v.done === null || Array.isArray(v.done))
  );
}

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}
