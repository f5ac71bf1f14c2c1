// eslint-disable-next-line no-control-regex -- U+0000 is exactly what must be matched here.
const UNSTORABLE = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/**
 * PostgreSQL cannot store U+0000 (nor, in `jsonb`, an unpaired surrogate), and model output may
 * contain both. Replacing them with U+FFFD at the boundary keeps the transcript storable (and
 * visibly marked) instead of turning one hostile answer into a database error that fails the job.
 */
export function storableText(s: string): string {
  return s.replace(UNSTORABLE, '\uFFFD');
}

/** `storableText` applied to every string (keys included) of a JSON-like value. */
export function storableJson(value: unknown): unknown {
  if (typeof value === 'string') return storableText(value);
  if (Array.isArray(value)) return value.map(storableJson);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[storableText(k)] = storableJson(v);
    return out;
  }
  return value;
}
