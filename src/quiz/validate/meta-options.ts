import { normaliseText } from './text.js';

const LABEL = String.raw`\(?[a-f]\)?`;
// No "+" or "/": "a + b" and "a/b" are real answers in algebra.
const JOIN = String.raw`(?: ?, ?(?:and |or )?| (?:and|or|nor) | ?& ?)`;
const REFERENCE = String.raw`(?:above|below|these|those|them|previous|preceding|following|listed|mentioned|others|other (?:options|answers|choices)|options|answers|choices|statements|responses)`;
const VERDICT = String.raw`(?:correct|true|right|valid|false|incorrect|wrong)`;

/**
 * Options that talk about other options instead of answering. Each is applied to the normalised
 * option text (lowercase, single spaces, no trailing punctuation). Anchored so real answers that
 * merely contain "both", "above" or "a and b" ("Vitamin A and B", "Above the clouds") pass.
 */
export const META_OPTION_PATTERNS: readonly RegExp[] = [
  // "All of the above", "None of these", "Neither of the above", "Both of them", "Any of the options".
  new RegExp(String.raw`^(?:all|none|neither|both|any|either|some|each|more than one) (?:(?:out )?of )?(?:the )?${REFERENCE}\b`),
  // "Only the above", "All the above are correct", "Answers in the above list".
  new RegExp(String.raw`\bthe (?:above|below)(?: (?:options?|answers?|choices?|statements?|responses?|ones?|list|mentioned|listed))?(?: (?:are|is) ${VERDICT})?$`),
  // "A and B", "Both A and B", "A, B and C", "(a) & (c)", "Neither A nor B", "Options A and C only".
  new RegExp(String.raw`^(?:(?:both|only|either|neither|options?|answers?|choices?) )?${LABEL}(?:${JOIN}${LABEL})+(?: only| (?:are|is) ${VERDICT})?$`),
  // "Options 1 and 2", "Answers 2, 3 and 4": numbers only with an explicit "option" word.
  new RegExp(String.raw`^(?:options?|answers?|choices?) \d(?:${JOIN}\d)+(?: only)?$`),
  // "All are correct", "None is right", "Both are true".
  new RegExp(String.raw`^(?:all|none|both|neither) (?:of them )?(?:are|is) ${VERDICT}$`),
  // "All except C", "All but B".
  new RegExp(String.raw`^all (?:except|but) ${LABEL}$`),
  // "No correct answer", "There is no right answer", "No option is correct" (but not a bare "No answer").
  new RegExp(String.raw`^(?:there is )?no (?:correct|right|valid) (?:answer|option|choice)s?$`),
  new RegExp(String.raw`^no (?:answer|option|choice)s? (?:is|are) ${VERDICT}$`),
];

/** True when an option refers to other options, which makes a question ambiguous or trivial. */
export function isMetaOption(option: string): boolean {
  const text = normaliseText(option);
  return META_OPTION_PATTERNS.some((re) => re.test(text));
}
