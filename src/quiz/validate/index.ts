export { validateQuizOutput } from './validate-output.js';
export { formatIssuesForPrompt } from './format.js';
export { normaliseText } from './text.js';
export { isMetaOption, META_OPTION_PATTERNS } from './meta-options.js';
export { MAX_INPUT_CHARS } from './parse.js';
export { ISSUE_CODES, NORMALISATION_KINDS } from './types.js';
export type { ExpectedShape, IndexedQuestion, Issue, IssueCode, Normalisation, NormalisationKind, SingleShape, ValidationResult } from './types.js';
export { truthBalanceIssues } from './typed.js';
