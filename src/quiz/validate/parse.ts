import type { Issue, Normalisation } from './types.js';

/**
 * Largest raw output accepted. A 50-question chunk at every maximum length is about 150,000
 * characters; anything far beyond that is a runaway generation, not a quiz.
 */
export const MAX_INPUT_CHARS = 1_000_000;

const FENCE = '```';

export type ParsedOutput = { ok: true; value: unknown; normalisations: Normalisation[] } | { ok: false; issue: Issue };

/**
 * Removes one Markdown code fence (```json … ``` or ``` … ```) around the whole text. Done by hand,
 * not by regex, so a hostile megabyte of backticks and spaces costs linear time.
 */
function stripCodeFence(text: string): { opener: string; inner: string } | null {
  if (text.length < 2 * FENCE.length || !text.startsWith(FENCE) || !text.endsWith(FENCE)) return null;
  const inner = text.slice(FENCE.length, text.length - FENCE.length);
  let start = 0;
  while (start < inner.length && /[A-Za-z]/.test(inner.charAt(start))) start += 1;
  const language = inner.slice(0, start).toLowerCase();
  if (language !== '' && language !== 'json') return null;
  return { opener: FENCE + inner.slice(0, start), inner: inner.slice(start).trim() };
}

/** Turns raw model text into a JSON value, tolerating only surrounding whitespace and a code fence. */
export function parseRawOutput(raw: string): ParsedOutput {
  if (raw.length > MAX_INPUT_CHARS) {
    return {
      ok: false,
      issue: {
        path: '$',
        code: 'input_too_large',
        message: `output is ${raw.length} characters; at most ${MAX_INPUT_CHARS} are accepted. Return only the JSON object.`,
      },
    };
  }
  const normalisations: Normalisation[] = [];
  let text = raw.trim();
  const fenced = stripCodeFence(text);
  if (fenced !== null) {
    normalisations.push({ path: '$', kind: 'strip_code_fence', from: fenced.opener, to: '' });
    text = fenced.inner;
  }
  if (text === '') {
    return { ok: false, issue: { path: '$', code: 'json_parse', message: 'output is empty; return one JSON object {"questions": [...]}.' } };
  }
  try {
    return { ok: true, value: JSON.parse(text) as unknown, normalisations };
  } catch (err) {
    const reason = err instanceof Error ? err.message.slice(0, 160) : 'unparseable';
    return {
      ok: false,
      issue: {
        path: '$',
        code: 'json_parse',
        message: `output is not valid JSON (${reason}); return only one JSON object {"questions": [...]}, with no prose before or after it.`,
      },
    };
  }
}
