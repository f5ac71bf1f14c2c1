import { describe, expect, it } from 'vitest';
import { quizOutputJsonSchema } from '../../../schemas/index.js';

type Json = Record<string, unknown>;

function obj(value: unknown): Json {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error(`not an object: ${JSON.stringify(value)}`);
  return value as Json;
}

/** Keywords OpenAI strict structured outputs accept (supported-schemas list), plus annotations. */
const ALLOWED = new Set(['type', 'properties', 'required', 'additionalProperties', 'items', 'minItems', 'maxItems', 'minimum', 'maximum', 'description', 'enum', 'const', 'anyOf', '$defs', '$ref', 'title']);

function walk(node: unknown, visit: (n: Json, path: string) => void, path = '#'): void {
  if (Array.isArray(node)) {
    node.forEach((child, i) => walk(child, visit, `${path}/${i}`));
    return;
  }
  if (typeof node !== 'object' || node === null) return;
  const n = obj(node);
  visit(n, path);
  for (const key of ['properties', '$defs']) {
    const children = n[key];
    if (children !== undefined) for (const [name, child] of Object.entries(obj(children))) walk(child, visit, `${path}/${key}/${name}`);
  }
  for (const key of ['items', 'anyOf']) if (n[key] !== undefined) walk(n[key], visit, `${path}/${key}`);
}

describe('quizOutputJsonSchema', () => {
  const schema = quizOutputJsonSchema(5, 4);

  it('really describes questions → items with the four fields (not an empty schema)', () => {
    expect(schema.type).toBe('object');
    const questions = obj(obj(schema.properties).questions);
    expect(questions).toMatchObject({ type: 'array', minItems: 5, maxItems: 5 });
    const item = obj(questions.items);
    expect(item.type).toBe('object');
    const props = obj(item.properties);
    expect(Object.keys(props).sort()).toEqual(['correctAnswer', 'explanation', 'options', 'question']);
    expect(props.question).toMatchObject({ type: 'string' });
    expect(props.explanation).toMatchObject({ type: 'string' });
    expect(props.options).toMatchObject({ type: 'array', minItems: 4, maxItems: 4, items: { type: 'string' } });
    expect(props.correctAnswer).toMatchObject({ type: 'integer', minimum: 0, maximum: 3 });
  });

  it('fits OpenAI strict mode: every object closed, every property required, only supported keywords', () => {
    let objects = 0;
    walk(schema, (n, path) => {
      for (const key of Object.keys(n)) expect(ALLOWED.has(key), `${path} has unsupported keyword ${key}`).toBe(true);
      if (n.type === 'object') {
        objects += 1;
        expect(n.additionalProperties, path).toBe(false);
        expect([...(n.required as string[])].sort(), path).toEqual(Object.keys(obj(n.properties)).sort());
      }
    });
    expect(objects).toBe(2);
  });

  it('is sized by its arguments', () => {
    const other = quizOutputJsonSchema(12, 6);
    const questions = obj(obj(other.properties).questions);
    expect(questions).toMatchObject({ minItems: 12, maxItems: 12 });
    expect(obj(obj(obj(questions.items).properties).correctAnswer)).toMatchObject({ maximum: 5 });
  });

  it('refuses sizes the contract does not allow', () => {
    expect(() => quizOutputJsonSchema(0, 4)).toThrow(RangeError);
    expect(() => quizOutputJsonSchema(5, 1)).toThrow(RangeError);
    expect(() => quizOutputJsonSchema(5, 2.5)).toThrow(RangeError);
  });
});
