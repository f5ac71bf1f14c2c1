import { jsonrepair } from 'jsonrepair';

/** A deterministic rewrite of the reply before validation, kept for audit like the validator's own. */
export type OutputNormalisation = {
  kind: 'extract_json' | 'json_repair' | 'tool_arguments';
  from: string;
  to: string;
};

export type ExtractedOutput = { text: string; normalisations: OutputNormalisation[] };

/** Replies longer than this are passed through untouched; the validator rejects them as too large. */
const MAX_EXTRACT_CHARS = 1_000_000;
const FENCE = '```';

/**
 * Finds the JSON document in a reply: the whole text, a fenced block inside prose, or the outermost
 * `{…}` surrounded by prose; then, if it does not parse, repairs almost-JSON (trailing commas, single
 * quotes, unquoted keys, comments, a missing closing bracket) with `jsonrepair`. Never throws: when
 * nothing can be found or repaired the text goes on unchanged, and the validator says why it fails.
 */
export function extractJson(reply: string): ExtractedOutput {
  const normalisations: OutputNormalisation[] = [];
  if (reply.length > MAX_EXTRACT_CHARS) return { text: reply, normalisations };
  let text = reply.trim();
  if (!text.startsWith('{') && !isWholeFence(text)) {
    const found = fencedBlock(text) ?? braces(text);
    if (found !== null && found !== text) {
      normalisations.push({ kind: 'extract_json', from: summarise(text), to: summarise(found) });
      text = found;
    }
  }
  if (isWholeFence(text)) return { text, normalisations }; // the validator strips and records a whole-text fence
  if (!parses(text) && text !== '') {
    const repaired = tryRepair(text);
    if (repaired !== null) {
      normalisations.push({ kind: 'json_repair', from: summarise(text), to: summarise(repaired) });
      text = repaired;
    }
  }
  return { text, normalisations };
}

function parses(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

function tryRepair(text: string): string | null {
  try {
    const repaired = jsonrepair(text);
    const value: unknown = JSON.parse(repaired);
    // Only objects: jsonrepair turns any prose into a JSON string, which would hide the real problem.
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? repaired : null;
  } catch {
    return null;
  }
}

function isWholeFence(text: string): boolean {
  return text.startsWith(FENCE) && text.endsWith(FENCE) && text.length >= 2 * FENCE.length && text.indexOf(FENCE, FENCE.length) === text.length - FENCE.length;
}

/** The body of the first ``` block (```json or bare) in the text, found without a regex. */
function fencedBlock(text: string): string | null {
  let from = 0;
  for (;;) {
    const open = text.indexOf(FENCE, from);
    if (open < 0) return null;
    const lineEnd = text.indexOf('\n', open);
    if (lineEnd < 0) return null;
    const language = text.slice(open + FENCE.length, lineEnd).trim().toLowerCase();
    const close = text.indexOf(FENCE, lineEnd);
    if (close < 0) return language === '' || language === 'json' ? text.slice(lineEnd + 1).trim() : null;
    if (language === '' || language === 'json') {
      const body = text.slice(lineEnd + 1, close).trim();
      if (body.startsWith('{')) return body;
    }
    from = close + FENCE.length;
  }
}

/** From the first `{` to the last `}`, or to the end when the closing bracket is missing. */
function braces(text: string): string | null {
  const start = text.indexOf('{');
  if (start < 0) return null;
  const end = text.lastIndexOf('}');
  return end > start ? text.slice(start, end + 1) : text.slice(start);
}

function summarise(text: string): string {
  return text.length <= 200 ? text : `${text.slice(0, 100)}…${text.slice(-100)}`;
}
