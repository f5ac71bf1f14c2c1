import type { AnyQuestion, Question, QuestionType } from '../../../schemas/index.js';
import type { Section } from '../../sources/types.js';
import { FLAW_CODES, type Flaw } from './flaws/index.js';

/** Stable rule codes: the repair prompt, metrics and tests key on these, so never rename one. */
export const ISSUE_CODES = [
  'input_too_large',
  'json_parse',
  'wrong_type',
  'missing_field',
  'unknown_key',
  'question_count',
  'option_count',
  'question_length',
  'explanation_length',
  'option_empty',
  'option_too_long',
  'option_duplicate',
  'meta_option',
  'answer_out_of_range',
  'answer_unresolved',
  'answer_ambiguous',
  'answer_leak',
  'duplicate_question',
  'duplicate_of_existing',
  'answer_disputed',
  'schema_violation',
  ...FLAW_CODES,
  'answers_count',
  'answers_duplicate',
  'true_false_labels',
  'truth_balance',
  'evidence_length',
  'evidence_not_found',
] as const;

export type IssueCode = (typeof ISSUE_CODES)[number];

/** One broken rule, phrased so a model can fix it: `path` is like `questions[1].correctAnswer`. */
export interface Issue {
  path: string;
  code: IssueCode;
  message: string;
}

export const NORMALISATION_KINDS = [
  'strip_code_fence',
  'trim',
  'answer_from_letter',
  'answer_from_numeric_string',
  'answer_from_option_text',
  // Applied before validation by the model layer's output extraction (src/model/extract.ts).
  'extract_json',
  'json_repair',
  'tool_arguments',
  'answers_sorted',
  'evidence_attributed',
] as const;

export type NormalisationKind = (typeof NORMALISATION_KINDS)[number];

/** A tolerated deviation that was rewritten deterministically; kept for audit and metrics. */
export interface Normalisation {
  path: string;
  kind: NormalisationKind;
  from: unknown;
  to: unknown;
}

/**
 * Work bounds for runaway outputs: elements past these are not checked one by one (the count
 * issue already says what is wrong), so a megabyte of `{}` costs milliseconds, not seconds.
 */
export const MAX_CHECKED_QUESTIONS = 100;
export const MAX_CHECKED_OPTIONS = 12;

/** What one model call was asked to produce. */
export interface ExpectedShape {
  count: number;
  options: number;
  /** `strict`: item-writing-flaw warnings are issues too (repaired). Default `standard`. */
  quality?: QualityLevel;
  /** Absent means `single`, the shape every caller asked for before types existed. */
  type?: QuestionType | undefined;
  /** true_false only: the two labels, in order (see `trueFalseLabels`). */
  labels?: readonly [string, string] | undefined;
  /** true_false only: check the 40-60% true share over the whole set (whole-draft checks, not replacements). */
  truthBalance?: boolean | undefined;
  /** With a source: all its sections. Every question must then carry evidence found in one of them. */
  sections?: readonly Section[] | undefined;
}

export type QualityLevel = 'standard' | 'strict';

/** A question that passed every rule on its own, with its position in the model output. */
export interface IndexedQuestion<Q = Question> {
  index: number;
  question: Q;
}

/** A shape without a type (or `single`): what every caller asked for before types existed. */
export type SingleShape = Omit<ExpectedShape, 'type'> & { type?: 'single' | undefined };

/**
 * `warnings` are the item-writing-flaw warnings of the questions that passed (never in `issues`,
 * never blocking); in `strict` quality they are issues instead and this list is empty.
 */
export type ValidationResult<Q = Question> =
  | { ok: true; questions: Q[]; normalisations: Normalisation[]; warnings: Flaw[] }
  | { ok: false; issues: Issue[]; normalisations: Normalisation[]; partial: Array<IndexedQuestion<Q>>; warnings: Flaw[] };

export type { AnyQuestion, Question };
