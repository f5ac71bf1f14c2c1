import { describe, expect, it } from 'vitest';
import { extractJson } from '../../src/model/extract.js';
import { extractOutput, nextModeAfter, outputRequest } from '../../src/model/output-modes.js';
import { CONSERVATIVE_DROPPED, schemaInDialect } from '../../src/model/schema-dialect.js';
import { quizOutputJsonSchema } from '../../schemas/quiz-output.js';

const doc = '{"questions":[{"a":1}]}';

describe('extractJson', () => {
  it('passes a clean document through with no normalisation', () => {
    expect(extractJson(`  ${doc}\n`)).toEqual({ text: doc, normalisations: [] });
  });
  it('leaves a whole-text fence to the validator', () => {
    expect(extractJson('```json\n' + doc + '\n```')).toEqual({ text: '```json\n' + doc + '\n```', normalisations: [] });
  });
  it('finds a fenced block inside prose', () => {
    const out = extractJson(`Here is your quiz:\n\n\`\`\`json\n${doc}\n\`\`\`\n\nLet me know if you need more.`);
    expect(out.text).toBe(doc);
    expect(out.normalisations.map((n) => n.kind)).toEqual(['extract_json']);
  });
  it('finds a bare object surrounded by prose', () => {
    const out = extractJson(`Sure! ${doc} Hope that helps.`);
    expect(out.text).toBe(doc);
    expect(out.normalisations.map((n) => n.kind)).toEqual(['extract_json']);
  });
  it.each([
    ['trailing commas', '{"questions":[{"a":1,},],}'],
    ['single quotes', "{'questions':[{'a':1}]}"],
    ['unquoted keys', '{questions:[{a:1}]}'],
    ['a missing closing bracket', '{"questions":[{"a":1}]'],
    ['comments', '{"questions":[{"a":1 /* one */}] // done\n}'],
  ])('repairs %s and records it', (_what, almost) => {
    const out = extractJson(almost);
    expect(JSON.parse(out.text)).toEqual({ questions: [{ a: 1 }] });
    expect(out.normalisations.map((n) => n.kind)).toEqual(['json_repair']);
  });
  it('does not turn prose into a JSON string', () => {
    expect(extractJson('I cannot help with that.')).toEqual({ text: 'I cannot help with that.', normalisations: [] });
  });
  it('takes the forced tool call arguments over content', () => {
    const out = extractOutput({ content: 'ignored', toolArguments: doc });
    expect(out.text).toBe(doc);
    expect(out.normalisations.map((n) => n.kind)).toEqual(['tool_arguments']);
  });
});

describe('the conservative dialect', () => {
  it('drops every rejected keyword and keeps each constraint in a description', () => {
    const schema = {
      $schema: 'https://json-schema.org/draft/2020-12/schema',
      type: 'object',
      additionalProperties: false,
      properties: {
        pattern: { type: 'string', pattern: '^a', maxLength: 5 },
        n: { type: 'integer', exclusiveMinimum: 0, description: 'A count.' },
        k: { const: 'quiz' },
      },
      required: ['pattern', 'n', 'k'],
    };
    const out = schemaInDialect(schema, 'conservative');
    const text = JSON.stringify(out);
    for (const keyword of ['$schema', 'additionalProperties', 'exclusiveMinimum', 'maxLength', '"const"']) {
      expect(text).not.toContain(keyword === '"const"' ? keyword : `"${keyword}"`);
    }
    // A property named like a keyword is kept.
    expect(Object.keys(out.properties as object)).toEqual(['pattern', 'n', 'k']);
    expect(out).toMatchObject({
      properties: {
        pattern: { type: 'string', description: '(must match the pattern ^a; at most 5 characters)' },
        n: { type: 'integer', description: 'A count. (must be greater than 0)' },
        k: { enum: ['quiz'] },
      },
      required: ['pattern', 'n', 'k'],
    });
    expect(schema.additionalProperties).toBe(false); // input untouched
  });
  it('leaves no dropped keyword in the quiz schema', () => {
    const text = JSON.stringify(schemaInDialect(quizOutputJsonSchema(3, 4), 'conservative'));
    for (const keyword of CONSERVATIVE_DROPPED) expect(text).not.toContain(`"${keyword}":`);
    expect(text).toContain('"minItems":3');
  });
});

describe('output requests', () => {
  const spec = { name: 'quiz', description: 'a quiz', schema: quizOutputJsonSchema(2, 4) };
  it('forces the one tool in tools mode', () => {
    const req = outputRequest('tools', spec);
    expect(req.fields.tool_choice).toEqual({ type: 'function', function: { name: 'quiz' } });
    expect(req.fields.response_format).toBeUndefined();
    expect(req.instructions).toBeNull();
  });
  it('puts the schema in the prompt for json_object and text', () => {
    expect(outputRequest('json_object', spec).fields).toEqual({ response_format: { type: 'json_object' } });
    expect(outputRequest('text', spec).fields).toEqual({});
    expect(outputRequest('text', spec).instructions).toMatch(/JSON[\s\S]*<output_schema>\n\{/);
  });
});

describe('discovery: which 400 steps down where', () => {
  const bad = (message: string) => ({ kind: 'bad_request' as const, status: 400, message });
  it.each([
    ['json_schema', 'This response_format type is unavailable now', 'tools'],
    ['json_schema', 'Invalid JSON payload received. Unknown name "additionalProperties" at \'response_format\'', 'json_schema_conservative'],
    ['json_schema_conservative', "'response_format.type' json_schema is not supported by this model", 'tools'],
    ['tools', 'deepseek-reasoner does not support Function Calling', 'json_object'],
    ['json_object', "'response_format.type' must be 'json_schema' or 'text': json_object is not supported", 'text'],
  ] as const)('%s + %j → %s', (mode, message, next) => {
    expect(nextModeAfter(mode, bad(message))).toBe(next);
  });
  it('never steps down on other errors', () => {
    expect(nextModeAfter('json_schema', bad("Invalid schema for response_format 'quiz'"))).toBeNull();
    expect(nextModeAfter('json_schema', { kind: 'rate_limited', status: 429, message: 'response_format unsupported' })).toBeNull();
    expect(nextModeAfter('text', bad('response_format is not supported'))).toBeNull();
  });
});
