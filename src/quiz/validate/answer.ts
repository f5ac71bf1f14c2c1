import type { Issue, Normalisation, NormalisationKind } from './types.js';
import { quote } from './text.js';

export type AnswerResolution = { ok: true; index: number; normalisation: Normalisation | null } | { ok: false; issue: Issue };

const LETTERS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
const NUMERIC = /^[+-]?\d{1,15}$/;
const LETTER = /^[A-Za-z]$/;

function rangeText(optionCount: number): string {
  return optionCount === 0 ? 'but there are no options' : `0–${optionCount - 1}`;
}

function outOfRange(path: string, optionCount: number, got: string): AnswerResolution {
  return { ok: false, issue: { path, code: 'answer_out_of_range', message: `must be an index of an existing option, ${rangeText(optionCount)}; got ${got}` } };
}

/**
 * Reads `correctAnswer` the way models actually write it: an index, a numeric string ("2"), a letter
 * ("B") or the option's exact text. Every non-integer form is recorded; a string that reads as two
 * different options (letter "C" when option 0 is the text "C") is refused instead of guessed.
 */
export function resolveCorrectAnswer(
  value: number | string,
  options: ReadonlyArray<string | undefined> | null,
  optionCount: number,
  path: string,
): AnswerResolution {
  if (typeof value === 'number') {
    if (!Number.isInteger(value)) {
      return { ok: false, issue: { path, code: 'wrong_type', message: `must be an integer index of an existing option, ${rangeText(optionCount)}; got ${value}` } };
    }
    if (value < 0 || value >= optionCount) return outOfRange(path, optionCount, String(value));
    return { ok: true, index: value, normalisation: null };
  }

  const text = value.trim();
  const candidates: Array<{ kind: NormalisationKind; index: number }> = [];
  let rejected: string | null = null;
  if (NUMERIC.test(text)) {
    const n = Number(text);
    if (n >= 0 && n < optionCount) candidates.push({ kind: 'answer_from_numeric_string', index: n });
    else rejected = `${quote(value)} (index ${n})`;
  }
  if (LETTER.test(text)) {
    const n = LETTERS.indexOf(text.toUpperCase());
    if (n < optionCount) candidates.push({ kind: 'answer_from_letter', index: n });
    else rejected = `${quote(value)} (letter ${text.toUpperCase()} is index ${n})`;
  }
  const textIndex = options === null || text === '' ? -1 : options.indexOf(text);
  if (textIndex >= 0) candidates.push({ kind: 'answer_from_option_text', index: textIndex });

  const indexes = [...new Set(candidates.map((c) => c.index))];
  const first = candidates[0];
  if (first === undefined) {
    if (rejected !== null) return outOfRange(path, optionCount, rejected);
    return {
      ok: false,
      issue: {
        path,
        code: 'answer_unresolved',
        message: `must be the 0-based integer index of the correct option, ${rangeText(optionCount)}; got ${quote(value)}, which is not an index, a letter or the exact text of an option`,
      },
    };
  }
  if (indexes.length > 1) {
    return {
      ok: false,
      issue: {
        path,
        code: 'answer_ambiguous',
        message: `must be the 0-based integer index of the correct option; ${quote(value)} could mean index ${indexes.join(' or ')}`,
      },
    };
  }
  return { ok: true, index: first.index, normalisation: { path, kind: first.kind, from: value, to: first.index } };
}
