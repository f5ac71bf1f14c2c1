import { z } from 'zod';
import { QUIZ_LIMITS } from './batch-request.js';

/**
 * The question contract, one type at a time. A stored or returned question is one of three shapes:
 *
 * - single (no `type` key, exactly today's shape): `{ question, options, correctAnswer, explanation, evidence? }`
 * - multiple: `{ type: 'multiple', question, options, correctAnswers: number[], explanation, evidence? }`
 * - true_false: `{ type: 'true_false', question, options: [trueLabel, falseLabel], correctAnswer: 0|1, explanation, evidence? }`
 *
 * The discriminator is the `type` key, absent for single, so a default request answers byte for
 * byte as before and a batch can later mix types question by question.
 */

export const QUESTION_TYPES = ['single', 'multiple', 'true_false'] as const;
export const QuestionTypeSchema = z.enum(QUESTION_TYPES);
export type QuestionType = z.output<typeof QuestionTypeSchema>;

/** Text bounds of one question; the validator and the prompts state the same numbers. */
export const QUESTION_LIMITS = {
  questionMin: 10,
  questionMax: 500,
  explanationMin: 1,
  explanationMax: 1000,
  optionMin: 1,
  optionMax: 200,
  /** A correct option this long (normalised) must not appear in its question. */
  leakMinLength: 8,
  /** A multiple-answer question has 3-6 options (two options leave nothing to choose). */
  multipleMinOptions: 3,
  /** Evidence quotes: long enough to mean something, short enough to check and show. */
  quoteMin: 20,
  quoteMax: 400,
  /** Over a true/false batch of at least this many questions, 40-60% are true. */
  truthBalanceMinCount: 4,
  truthMinShare: 0.4,
  truthMaxShare: 0.6,
} as const;

const L = QUESTION_LIMITS;

/** A verbatim quote from the source supporting the correct answer, and where it sits. */
export const EvidenceSchema = z.strictObject({
  quote: z.string().min(L.quoteMin).max(L.quoteMax),
  sectionId: z.string().min(1).max(100),
  page: z.int().min(1).optional(),
});
export type Evidence = z.output<typeof EvidenceSchema>;

const QuestionText = z.string().min(L.questionMin).max(L.questionMax);
const OptionText = z.string().min(L.optionMin).max(L.optionMax);
const ExplanationText = z.string().min(L.explanationMin).max(L.explanationMax);

export const SingleQuestionSchema = z
  .strictObject({
    question: QuestionText,
    options: z.array(OptionText).min(QUIZ_LIMITS.minOptions).max(QUIZ_LIMITS.maxOptions),
    correctAnswer: z.int().min(0),
    explanation: ExplanationText,
    evidence: EvidenceSchema.optional(),
  })
  .refine((q) => q.correctAnswer < q.options.length, {
    message: 'correctAnswer must be an index of an existing option',
    path: ['correctAnswer'],
  });
export type SingleQuestion = z.output<typeof SingleQuestionSchema>;

/** Why a `correctAnswers` list breaks the multiple-answer rules, or null when it holds. */
export function correctAnswersProblem(answers: readonly number[], optionCount: number): string | null {
  if (answers.length < 1 || answers.length > optionCount - 1) {
    return `must list 1-${optionCount - 1} correct options (at least one option must be wrong); got ${answers.length}`;
  }
  if (answers.some((a) => !Number.isInteger(a) || a < 0 || a >= optionCount)) {
    return `every entry must be an index of an existing option, 0-${optionCount - 1}`;
  }
  for (let i = 1; i < answers.length; i += 1) {
    if ((answers[i] as number) <= (answers[i - 1] as number)) return 'entries must be unique and in ascending order';
  }
  return null;
}

export const MultipleQuestionSchema = z
  .strictObject({
    type: z.literal('multiple'),
    question: QuestionText,
    options: z.array(OptionText).min(L.multipleMinOptions).max(QUIZ_LIMITS.maxOptions),
    correctAnswers: z.array(z.int().min(0)),
    explanation: ExplanationText,
    evidence: EvidenceSchema.optional(),
  })
  .superRefine((q, ctx) => {
    const problem = correctAnswersProblem(q.correctAnswers, q.options.length);
    if (problem !== null) ctx.addIssue({ code: 'custom', message: `correctAnswers ${problem}`, path: ['correctAnswers'] });
  });
export type MultipleQuestion = z.output<typeof MultipleQuestionSchema>;

export const TrueFalseQuestionSchema = z.strictObject({
  type: z.literal('true_false'),
  question: QuestionText.describe('A statement that is either true or false.'),
  options: z.tuple([OptionText, OptionText]).describe('The true label, then the false label, in the request language.'),
  correctAnswer: z.union([z.literal(0), z.literal(1)]).describe('0 when the statement is true, 1 when it is false.'),
  explanation: ExplanationText,
  evidence: EvidenceSchema.optional(),
});
export type TrueFalseQuestion = z.output<typeof TrueFalseQuestionSchema>;

/** Any stored question. Single has no `type` key; the other two are told apart by theirs. */
export const AnyQuestionSchema = z.union([SingleQuestionSchema, MultipleQuestionSchema, TrueFalseQuestionSchema]);
export type AnyQuestion = z.output<typeof AnyQuestionSchema>;

export function questionTypeOf(question: { type?: unknown }): QuestionType {
  return question.type === 'multiple' || question.type === 'true_false' ? question.type : 'single';
}

/** True/false labels by primary language subtag; other languages fall back to English. */
const TRUE_FALSE_LABELS: Record<string, readonly [string, string]> = {
  en: ['True', 'False'],
  de: ['Wahr', 'Falsch'],
  fr: ['Vrai', 'Faux'],
  es: ['Verdadero', 'Falso'],
  it: ['Vero', 'Falso'],
  pt: ['Verdadeiro', 'Falso'],
  nl: ['Waar', 'Onwaar'],
  sv: ['Sant', 'Falskt'],
  da: ['Sandt', 'Falsk'],
  nb: ['Sant', 'Usant'],
  fi: ['Tosi', 'Epätosi'],
  pl: ['Prawda', 'Fałsz'],
  cs: ['Pravda', 'Nepravda'],
  et: ['Tõene', 'Väär'],
  lv: ['Patiess', 'Aplams'],
  lt: ['Tiesa', 'Netiesa'],
  ru: ['Верно', 'Неверно'],
  uk: ['Правда', 'Неправда'],
  tr: ['Doğru', 'Yanlış'],
  ja: ['正しい', '誤り'],
  zh: ['正确', '错误'],
  ko: ['참', '거짓'],
};

export function trueFalseLabels(language: string): readonly [string, string] {
  const primary = language.split('-')[0]?.toLowerCase() ?? 'en';
  return TRUE_FALSE_LABELS[primary] ?? (TRUE_FALSE_LABELS.en as readonly [string, string]);
}

// ---------------------------------------------------------------------------------------------
// Strict JSON Schemas for the model, one per type, sized to the call.

const describeQuestion = `The question text, ${L.questionMin}-${L.questionMax} characters. Must not contain the correct answer.`;
const describeOption = `One answer option, 1-${L.optionMax} characters. No meta-options such as "All of the above".`;
const describeExplanation = `Why the correct option is right, 1-${L.explanationMax} characters.`;

function sizedSingle(options: number) {
  return z.strictObject({
    question: z.string().describe(describeQuestion),
    options: z.array(z.string().describe(describeOption)).length(options).describe(`Exactly ${options} distinct answer options.`),
    correctAnswer: z
      .int()
      .min(0)
      .max(options - 1)
      .describe(`0-based index into options of the single correct option (0-${options - 1}).`),
    explanation: z.string().describe(describeExplanation),
  });
}

function sizedMultiple(options: number) {
  return z.strictObject({
    type: z.literal('multiple'),
    question: z.string().describe(describeQuestion),
    options: z.array(z.string().describe(describeOption)).length(options).describe(`Exactly ${options} distinct answer options.`),
    correctAnswers: z
      .array(z.int().min(0).max(options - 1))
      .min(1)
      .max(options - 1)
      .describe(`0-based indexes of every correct option, ascending, no repeats: 1-${options - 1} entries (at least one option is wrong).`),
    explanation: z.string().describe('Why each correct option is right and each other option is wrong, 1-1000 characters.'),
  });
}

function sizedTrueFalse(labels: readonly [string, string]) {
  return z.strictObject({
    type: z.literal('true_false'),
    question: z.string().describe(`A statement that is either true or false, ${L.questionMin}-${L.questionMax} characters.`),
    options: z
      .array(z.enum([labels[0], labels[1]]))
      .length(2)
      .describe(`Exactly ["${labels[0]}", "${labels[1]}"], in this order.`),
    correctAnswer: z.int().min(0).max(1).describe('0 when the statement is true, 1 when it is false.'),
    explanation: z.string().describe(`Why the statement is true or false, 1-${L.explanationMax} characters.`),
  });
}

/** What one model call must return: its type, how many questions, how many options, which labels. */
export interface OutputShape {
  type: QuestionType;
  count: number;
  options: number;
  language: string;
  /** With a source: the section ids the call's material has; every question then carries evidence. */
  sectionIds?: readonly string[] | undefined;
}

function sizedEvidence(sectionIds: readonly string[]) {
  return z
    .strictObject({
      quote: z.string().describe(`A verbatim quote of ${L.quoteMin}-${L.quoteMax} characters, copied exactly from the material, that supports the correct answer.`),
      sectionId: z.enum(sectionIds as [string, ...string[]]).describe('The id of the section the quote is copied from.'),
    })
    .describe('Where the material proves the answer.');
}

export function sizedQuestionSchema(shape: OutputShape) {
  const base = shape.type === 'multiple' ? sizedMultiple(shape.options) : shape.type === 'true_false' ? sizedTrueFalse(trueFalseLabels(shape.language)) : sizedSingle(shape.options);
  const ids = shape.sectionIds;
  return ids === undefined || ids.length === 0 ? base : base.extend({ evidence: sizedEvidence(ids) });
}

/** Keywords the strict structured-output subset does not take; dropped after generation. */
const UNSUPPORTED_KEYWORDS = new Set(['$schema', 'minLength', 'maxLength']);

function stripUnsupported(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(stripUnsupported);
  if (node === null || typeof node !== 'object') return node;
  return stripObject(node);
}

function stripObject(node: object): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(node)) {
    if (!UNSUPPORTED_KEYWORDS.has(key)) out[key] = stripUnsupported(value);
  }
  return out;
}

function assertInt(name: string, value: number, min: number, max: number): void {
  if (!Number.isInteger(value) || value < min || value > max) throw new RangeError(`${name} must be an integer ${min}-${max}; got ${value}`);
}

/**
 * JSON Schema for OpenAI `response_format: { type: 'json_schema', json_schema: { strict: true, schema } }`,
 * generated by zod's own `z.toJSONSchema` from the sized Zod shape so the two cannot drift apart.
 */
export function questionsJsonSchema(shape: OutputShape): Record<string, unknown> {
  assertInt('count', shape.count, QUIZ_LIMITS.minCount, QUIZ_LIMITS.maxCount);
  const minOptions = shape.type === 'multiple' ? L.multipleMinOptions : QUIZ_LIMITS.minOptions;
  if (shape.type !== 'true_false') assertInt('options', shape.options, minOptions, QUIZ_LIMITS.maxOptions);
  const root = z.strictObject({
    questions: z.array(sizedQuestionSchema(shape)).length(shape.count).describe(`Exactly ${shape.count} questions.`),
  });
  return stripObject(z.toJSONSchema(root, { target: 'draft-2020-12', io: 'output' }));
}

/**
 * How a stored question's key was vouched for, as the database keeps it: a verifier model, a
 * reviewer, nobody (verification was tried and gave no usable answer), or verification was off.
 * The API shows it as `verified: true | false | "human" | null` (see `apiVerified`).
 */
export const VERIFIED_STATES = ['model', 'human', 'unverified', 'off'] as const;
export type VerifiedState = (typeof VERIFIED_STATES)[number];

export const QualityFlagSchema = z.object({
  code: z.string(),
  severity: z.enum(['error', 'warning']),
  message: z.string(),
});
export type QualityFlag = z.output<typeof QualityFlagSchema>;

/** A question's quality as stored (`questions.quality`): the verification mark and the warnings that stayed. */
export const StoredQualitySchema = z.object({
  verified: z.enum(VERIFIED_STATES),
  flags: z.array(QualityFlagSchema),
});
export type StoredQuality = z.output<typeof StoredQualitySchema>;

/** The API's `verified`: true (a verifier model agreed), false (it could not be checked), "human", null (off). */
export const ApiVerifiedSchema = z
  .union([z.boolean(), z.literal('human'), z.null()])
  .describe('true: an independent verifier model agreed with the key; false: verification was tried and gave no usable answer (flagged `unverified`); "human": a reviewer fixed and accepted it in the DLQ view; null: verification was off.');
export type ApiVerified = z.output<typeof ApiVerifiedSchema>;

const API_VERIFIED: Record<VerifiedState, ApiVerified> = { model: true, unverified: false, human: 'human', off: null };
export function apiVerified(mark: VerifiedState): ApiVerified {
  return API_VERIFIED[mark];
}

/** A question's quality as the API shows it: who verified its key, and the item-writing warnings that stayed. */
export const QuestionQualitySchema = z.object({
  verified: ApiVerifiedSchema,
  flags: z.array(QualityFlagSchema),
});
export type QuestionQuality = z.output<typeof QuestionQualitySchema>;

export function apiQuality(stored: StoredQuality): QuestionQuality {
  return { verified: apiVerified(stored.verified), flags: stored.flags };
}

const STORED_FIELDS = {
  verified: z.literal('human').optional().describe('Present when a reviewer fixed and accepted the question in the DLQ view.'),
  quality: QuestionQualitySchema.optional(),
};

/** A question as the batch view returns it: any type, plus who vouched for it and its quality. */
export const StoredQuestionSchema = z.union([
  SingleQuestionSchema.safeExtend(STORED_FIELDS),
  MultipleQuestionSchema.safeExtend(STORED_FIELDS),
  TrueFalseQuestionSchema.safeExtend(STORED_FIELDS),
]);
