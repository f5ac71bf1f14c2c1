/** Item-writing-flaw codes: stable, like the validator's issue codes (the repair prompt and metrics key on them). */
export const FLAW_CODES = [
  'longest_key',
  'grammar_article_cue',
  'grammar_number_cue',
  'negative_stem_unemphasised',
  'absolute_in_distractors',
  'option_contained',
  'key_repeats_stem_word',
  'implausible_distractor',
] as const;

export type FlawCode = (typeof FLAW_CODES)[number];

/** `error` goes into the repair loop; `warning` is reported, and repaired only with `quality: "strict"`. */
export type Severity = 'error' | 'warning';

export interface Flaw {
  path: string;
  code: FlawCode;
  severity: Severity;
  message: string;
}

/**
 * What the rules look at. Deliberately loose: a single-answer question has a number key; any other
 * shape (a list of keys, a boolean) makes the key-based rules skip instead of guessing.
 */
export interface FlawInput {
  question: string;
  options: readonly string[];
  /** Absent on multiple-answer questions: the key-based rules then skip. */
  correctAnswer?: unknown;
}

/** The checked question, with the key resolved to one index (or null when there is no single key). */
export interface FlawSubject {
  stem: string;
  options: readonly string[];
  key: number | null;
  path: string;
}
