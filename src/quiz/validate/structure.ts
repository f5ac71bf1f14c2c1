import { z } from 'zod';
import type { QuestionType } from '../../../schemas/index.js';
import type { Issue } from './types.js';
import { childPath, describeType, isPlainObject, ownValue } from './text.js';

/**
 * The lenient structural layer: JSON types only, no lengths or cross-field rules. Kept apart from
 * the domain rules because Zod skips refinements on an object that already has a type error; this
 * way every type error and every domain error of an output are reported in the same pass.
 */
const RootShape = z.strictObject({ questions: z.array(z.unknown()) });

const QuestionShape = z.strictObject({
  question: z.string(),
  options: z.array(z.string()),
  correctAnswer: z.union([z.number(), z.string()]),
  explanation: z.string(),
});

const MultipleShape = z.strictObject({
  type: z.literal('multiple'),
  question: z.string(),
  options: z.array(z.string()),
  correctAnswers: z.array(z.union([z.number(), z.string()])),
  explanation: z.string(),
});

const TrueFalseShape = z.strictObject({
  type: z.literal('true_false'),
  question: z.string(),
  options: z.array(z.string()),
  correctAnswer: z.union([z.number(), z.string()]),
  explanation: z.string(),
});

export const QUESTION_KEYS = Object.keys(QuestionShape.shape);

const ROOT_EXPECTED: Record<string, string> = {
  $: 'a JSON object {"questions": [...]}',
  questions: 'an array of question objects',
};

const QUESTION_EXPECTED: Record<string, string> = {
  $: `an object with exactly the keys ${QUESTION_KEYS.join(', ')}`,
  question: 'a string',
  options: 'an array of strings',
  correctAnswer: 'the 0-based integer index of the correct option',
  explanation: 'a string',
};

const SHAPES: Record<QuestionType, { schema: z.ZodType; expected: Record<string, string> }> = {
  single: { schema: QuestionShape, expected: QUESTION_EXPECTED },
  multiple: {
    schema: MultipleShape,
    expected: {
      $: `an object with exactly the keys ${Object.keys(MultipleShape.shape).join(', ')}`,
      type: 'the string "multiple"',
      question: 'a string',
      options: 'an array of strings',
      correctAnswers: 'an array of the 0-based integer indexes of the correct options',
      explanation: 'a string',
    },
  },
  true_false: {
    schema: TrueFalseShape,
    expected: {
      $: `an object with exactly the keys ${Object.keys(TrueFalseShape.shape).join(', ')}`,
      type: 'the string "true_false"',
      question: 'a string',
      options: 'an array of the two labels',
      correctAnswer: '0 (the statement is true) or 1 (it is false)',
      explanation: 'a string',
    },
  },
};

type ZodIssue = z.core.$ZodIssue;

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let current = root;
  for (const key of path) {
    if (Array.isArray(current) && typeof key === 'number') current = current[key];
    else if (isPlainObject(current) && typeof key === 'string') current = ownValue(current, key);
    else return undefined;
  }
  return current;
}

function joinPath(base: string, path: readonly PropertyKey[]): string {
  return path.reduce<string>((acc, key) => (typeof key === 'symbol' ? acc : childPath(acc, key)), base);
}

function mapIssue(issue: ZodIssue, value: unknown, base: string, expected: Record<string, string>): Issue[] {
  if (issue.code === 'unrecognized_keys') {
    const allowed = Object.keys(expected).filter((k) => k !== '$');
    return issue.keys.map((key) => ({
      path: childPath(joinPath(base, issue.path), key),
      code: 'unknown_key' as const,
      message: `is not allowed; the only keys are ${allowed.join(', ')}`,
    }));
  }
  const path = joinPath(base, issue.path);
  const got = valueAt(value, issue.path);
  const [head, ...rest] = issue.path;
  if (head === undefined) {
    return [{ path, code: 'wrong_type', message: `must be ${expected.$ ?? 'an object'}; got ${describeType(got)}` }];
  }
  const field = typeof head === 'string' ? head : '';
  const want = rest.length === 0 ? (expected[field] ?? 'a different type') : field === 'correctAnswers' ? 'an integer index' : 'a string';
  if (rest.length === 0 && got === undefined) {
    return [{ path, code: 'missing_field', message: `is required: ${want}` }];
  }
  return [{ path, code: 'wrong_type', message: `must be ${want}; got ${describeType(got)}` }];
}

function check(schema: z.ZodType, value: unknown, base: string, expected: Record<string, string>): Issue[] {
  const result = schema.safeParse(value);
  if (result.success) return [];
  return result.error.issues.flatMap((issue) => mapIssue(issue, value, base, expected));
}

/** Type-level issues of the whole output (root object, `questions` array, unknown keys). */
export function checkRootStructure(value: unknown): Issue[] {
  return check(RootShape, value, '', ROOT_EXPECTED).map((issue) => (issue.path === '' ? { ...issue, path: '$' } : issue));
}

/** Type-level issues of one question, each field on its own so one bad field hides nothing. */
const EvidenceShape = z.strictObject({ quote: z.string(), sectionId: z.string(), page: z.number().optional() });

export function checkQuestionStructure(value: unknown, path: string, type: QuestionType = 'single', evidence = false): Issue[] {
  const shape = SHAPES[type];
  if (!evidence) return check(shape.schema, value, path, shape.expected);
  const schema = (shape.schema as z.ZodObject).extend({ evidence: EvidenceShape });
  return check(schema, value, path, { ...shape.expected, evidence: 'an object {"quote": "…", "sectionId": "…"}' });
}
