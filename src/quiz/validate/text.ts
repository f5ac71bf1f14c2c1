/** Zero-width characters that make two visually equal strings compare different. */
const ZERO_WIDTH = /[\u200B-\u200D\u2060\uFEFF]/g;
const SINGLE_QUOTES = /[\u2018\u2019\u201A\u201B\u2032`]/g;
const DOUBLE_QUOTES = /[\u201C\u201D\u201E\u201F\u2033]/g;
const DASHES = /[\u2010-\u2015\u2212]/g;
const TRAILING_PUNCTUATION = /[\s.,;:!?\u3002\u3001\uFF1F\uFF01\u2026]+$/u;

/**
 * Comparison key for "is this the same text": the duplicate, leak and meta-option rules, and the
 * assemble step across chunks, must all agree on it. Case, width, spacing, quote style and trailing
 * punctuation vary freely in model output without changing meaning.
 */
export function normaliseText(s: string): string {
  const base = s
    .normalize('NFKC')
    .replace(ZERO_WIDTH, '')
    .replace(SINGLE_QUOTES, "'")
    .replace(DOUBLE_QUOTES, '"')
    .replace(DASHES, '-')
    .replace(/\s+/gu, ' ')
    .trim()
    .toLowerCase();
  const stripped = base.replace(TRAILING_PUNCTUATION, '');
  // Text made only of punctuation keeps it, so "?" and "!" stay distinct.
  return stripped === '' ? base : stripped;
}

const QUOTE_MAX = 60;

/** Quotes model text inside a message, bounded so a hostile 1 MB string cannot bloat the issue list. */
export function quote(s: string): string {
  const chars = Array.from(s.slice(0, QUOTE_MAX * 2 + 1));
  const shown = chars.length > QUOTE_MAX || s.length > QUOTE_MAX * 2 + 1 ? `${chars.slice(0, QUOTE_MAX).join('')}…` : s;
  return JSON.stringify(shown);
}

/** The JSON type of a value, for "got …" in messages. */
export function describeType(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'number') return Number.isInteger(value) ? 'an integer' : 'a number';
  return `a ${typeof value}`;
}

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]{0,63}$/;

/** Appends a key to an issue path: `.name` for plain keys, `["odd key"]` (bounded) otherwise. */
export function childPath(parent: string, key: string | number): string {
  if (typeof key === 'number') return `${parent}[${key}]`;
  if (IDENTIFIER.test(key)) return parent === '' ? key : `${parent}.${key}`;
  return `${parent}[${quote(key)}]`;
}

/** The value at an own property, never one inherited from a prototype. */
export function ownValue(obj: object, key: string): unknown {
  const descriptor = Object.getOwnPropertyDescriptor(obj, key);
  return descriptor === undefined ? undefined : (descriptor.value as unknown);
}

/** True for a JSON object (not an array, not null). */
export function isPlainObject(value: unknown): value is object {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
