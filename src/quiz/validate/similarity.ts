import { contentWords, jaccard } from './flaws/words.js';
import { normaliseText } from './text.js';

/**
 * Near-duplicate thresholds, chosen on the paraphrase and related pairs of `bench/quality/pairs.ts`
 * (figures in bench/QUALITY.md). Two questions with the same correct answer are the same question
 * when their stems share `sameAnswer` of their content words (Jaccard of 1-shingles); with different
 * answers only when their word shingles (1- and 2-shingles, so word order counts) reach `anyAnswer`:
 * a stem that close with another key is a copy with a changed key, not a new question.
 */
export const NEAR_DUPLICATE = { sameAnswer: 0.25, anyAnswer: 0.9 } as const;

/** What near-duplicate detection compares: the stem's word shingles and the correct option's text. */
export interface Fingerprint {
  /** Stemmed content words of the stem (1-shingles). */
  words: ReadonlySet<string>;
  /** 1-shingles and adjacent content-word pairs (2-shingles). */
  shingles: ReadonlySet<string>;
  answer: string | null;
  text: string;
}

export function fingerprint(question: string, answer: string | null): Fingerprint {
  const words = contentWords(question);
  const shingles = new Set(words);
  for (let i = 1; i < words.length; i += 1) shingles.add(`${words[i - 1]} ${words[i]}`);
  return { words: new Set(words), shingles, answer: answer === null ? null : normaliseText(answer), text: normaliseText(question) };
}

/** Content-word Jaccard similarity of two stems (1 for the same normalised text). */
export function stemSimilarity(a: Fingerprint, b: Fingerprint): number {
  return a.text === b.text ? 1 : jaccard(a.words, b.words);
}

/** Word-shingle Jaccard similarity of two stems (1 for the same normalised text). */
export function shingleSimilarity(a: Fingerprint, b: Fingerprint): number {
  return a.text === b.text ? 1 : jaccard(a.shingles, b.shingles);
}

/** True when two questions ask the same thing (see NEAR_DUPLICATE). */
export function isNearDuplicate(a: Fingerprint, b: Fingerprint): boolean {
  if (a.answer !== null && a.answer === b.answer && stemSimilarity(a, b) >= NEAR_DUPLICATE.sameAnswer) return true;
  return shingleSimilarity(a, b) >= NEAR_DUPLICATE.anyAnswer;
}

/**
 * The one fingerprint of a question of any type, used by the validator (within an answer) and by
 * the draft, assemble and `distinctFrom` (across answers): the stem, and the key's text. For a
 * multiple-answer question the key is its correct options' texts, normalised and sorted, so the
 * same set of correct answers matches whatever their order; a true/false "answer" is a label every
 * statement shares, so it says nothing about sameness and is left out.
 */
export function keyedFingerprint(question: string, type: string | undefined, options: readonly unknown[], key: readonly number[] | null): Fingerprint {
  if (type === 'true_false' || key === null) return fingerprint(question, null);
  const texts = key.flatMap((i) => {
    const o = options[i];
    return typeof o === 'string' ? [normaliseText(o)] : [];
  });
  return fingerprint(question, texts.length === 0 ? null : texts.sort().join(' | '));
}

/** The fingerprint of a parsed question of any type (see `keyedFingerprint`); any other key shape gives no answer. */
export function questionFingerprint(q: { type?: string; question: string; options: readonly string[]; correctAnswer?: unknown; correctAnswers?: unknown }): Fingerprint {
  const many = q.correctAnswers;
  const one = q.correctAnswer;
  const key = Array.isArray(many) && many.every((i) => typeof i === 'number') ? (many as number[]) : typeof one === 'number' ? [one] : null;
  return keyedFingerprint(q.question, q.type, q.options, key);
}
