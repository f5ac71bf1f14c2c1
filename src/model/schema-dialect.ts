/**
 * JSON Schema dialects. `strict` is what OpenAI structured outputs take; `conservative` keeps only
 * the keywords every OpenAI-compatible server we know of accepts, and moves each dropped constraint
 * into the node's `description`, so the model still reads it (the caller's Zod schema still
 * enforces all of them).
 */
export type SchemaDialect = 'strict' | 'conservative';

/** Keywords some providers reject (Gemini: "Invalid JSON payload"; grammar engines: unsupported). */
export const CONSERVATIVE_DROPPED = [
  '$schema',
  '$id',
  'additionalProperties',
  'const',
  'exclusiveMinimum',
  'exclusiveMaximum',
  'pattern',
  'format',
  'minLength',
  'maxLength',
  'multipleOf',
  'patternProperties',
  'unevaluatedProperties',
] as const;

const DROPPED = new Set<string>(CONSERVATIVE_DROPPED);
/** Constraints worth telling the model about; the rest (`$schema`, `additionalProperties`) are noise. */
const DESCRIBED: Record<string, (v: unknown) => string> = {
  const: (v) => `must be exactly ${JSON.stringify(v)}`,
  exclusiveMinimum: (v) => `must be greater than ${String(v)}`,
  exclusiveMaximum: (v) => `must be less than ${String(v)}`,
  pattern: (v) => `must match the pattern ${String(v)}`,
  format: (v) => `format: ${String(v)}`,
  minLength: (v) => `at least ${String(v)} characters`,
  maxLength: (v) => `at most ${String(v)} characters`,
  multipleOf: (v) => `a multiple of ${String(v)}`,
  additionalProperties: (v) => (v === false ? 'no properties other than those listed' : ''),
};

/** The schema in `dialect`; the input is never modified. */
export function schemaInDialect(schema: Record<string, unknown>, dialect: SchemaDialect): Record<string, unknown> {
  if (dialect === 'strict') return schema;
  return conservativeNode(schema) as Record<string, unknown>;
}

function conservativeNode(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(conservativeNode);
  if (node === null || typeof node !== 'object') return node;
  const out: Record<string, unknown> = {};
  const notes: string[] = [];
  for (const [key, value] of Object.entries(node)) {
    if (DROPPED.has(key)) {
      const note = DESCRIBED[key]?.(value);
      if (note) notes.push(note);
      continue;
    }
    // `properties` maps names to schemas: recurse into each value, never treat a name as a keyword.
    out[key] = key === 'properties' && value !== null && typeof value === 'object' && !Array.isArray(value)
      ? Object.fromEntries(Object.entries(value).map(([name, sub]) => [name, conservativeNode(sub)]))
      : conservativeNode(value);
  }
  if ('const' in node && !('enum' in out)) out['enum'] = [(node as { const: unknown }).const];
  if (notes.length > 0) {
    const described = typeof out['description'] === 'string' ? `${out['description']} ` : '';
    out['description'] = `${described}(${notes.join('; ')})`;
  }
  return out;
}
