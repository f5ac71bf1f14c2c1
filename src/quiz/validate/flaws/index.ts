import { RULES } from './rules.js';
import type { Flaw, FlawInput } from './types.js';

export { FLAW_CODES, type Flaw, type FlawCode, type FlawInput, type Severity } from './types.js';
export { FLAW_SEVERITY, LONGEST_KEY } from './rules.js';

/**
 * The item-writing-flaw rules of one question at `path` (like `questions[2]`). Pure and total:
 * any key that is not one option index (a list, a boolean, out of range) skips the key-based rules.
 */
export function checkFlaws(input: FlawInput, path: string): Flaw[] {
  const { correctAnswer: k, options } = input;
  const key = typeof k === 'number' && Number.isInteger(k) && k >= 0 && k < options.length ? k : null;
  const subject = { stem: input.question, options, key, path };
  return RULES.flatMap((rule) => rule(subject));
}
