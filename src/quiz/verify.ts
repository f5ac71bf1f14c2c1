/**
 * Independent key verification, the pure half (issue 10, part 1): the verification ask (each
 * question with its options in a fresh seeded shuffle, without key, explanation or evidence), its
 * structured-output schema `quiz_verification`, and the reconciliation of the verifier's answers
 * with the keys. Not wired into the repair loop yet: `generate.ts` does not call it.
 */
import { z } from 'zod';
import type { Question } from '../../schemas/quiz-output.js';
import { seededRandom } from './balance.js';
import type { Issue } from './validate/index.js';
import { normaliseText, quote } from './validate/text.js';

export const VERIFICATION_SCHEMA_NAME = 'quiz_verification';

const AnswerSchema = z.strictObject({
  question: z.int().min(0),
  option: z.string().nullable(),
  reason: z.string(),
});
export const VerificationOutputSchema = z.strictObject({ answers: z.array(AnswerSchema) });
export type VerificationOutput = z.output<typeof VerificationOutputSchema>;

/** JSON Schema for `response_format: { type: "json_schema", json_schema: { name: "quiz_verification", strict: true, schema } }`. */
export function verificationJsonSchema(): Record<string, unknown> {
  const { $schema: _ignored, ...schema } = z.toJSONSchema(VerificationOutputSchema, { target: 'draft-2020-12', io: 'output' });
  return schema;
}

/** One question as the verifier sees it: stem and shuffled options, nothing else. */
export interface VerificationItem {
  question: number;
  stem: string;
  options: string[];
}

/** The shuffled, key-free view of `questions`; the same seed always gives the same shuffle (recorded). */
export function verificationItems(questions: readonly Question[], seed: string): VerificationItem[] {
  const random = seededRandom(`verify:${seed}`);
  return questions.map((q, question) => {
    const options = [...q.options];
    for (let i = options.length - 1; i > 0; i -= 1) {
      const j = Math.floor(random() * (i + 1));
      [options[i], options[j]] = [options[j] as string, options[i] as string];
    }
    return { question, stem: q.question, options };
  });
}

/** The user message of the verification call: answer as a student would. */
export function verificationAsk(items: readonly VerificationItem[]): string {
  const body = items.map((it) => `${it.question}. ${it.stem}\n${it.options.map((o) => `   - ${o}`).join('\n')}`).join('\n\n');
  return [
    'Answer each multiple-choice question below as a careful student would, on your own knowledge.',
    'For each, give the exact text of the one correct option, or null when no option is correct, and one sentence of reason.',
    `Return {"answers": [{"question": <number>, "option": "<exact option text>" | null, "reason": "<one sentence>"}]} with one entry per question.`,
    '',
    body,
  ].join('\n');
}

export type Verdict =
  | { kind: 'agree'; question: number }
  | { kind: 'dispute'; question: number; issue: Issue }
  /** The verifier's answer is missing, malformed or names no option: retry once, then `unverified`. */
  | { kind: 'unusable'; question: number; reason: string };

/**
 * Compares the verifier's raw output with the keys. `offset` maps call indexes to draft positions
 * (a verification of positions 5–9 reports `questions[5]…`). Never throws on any `raw`.
 */
export function reconcile(questions: readonly Question[], raw: string, offset = 0): Verdict[] {
  let parsed: VerificationOutput | null = null;
  try {
    const result = VerificationOutputSchema.safeParse(JSON.parse(raw));
    if (result.success) parsed = result.data;
  } catch {
    parsed = null;
  }
  return questions.map((q, i) => {
    if (parsed === null) return { kind: 'unusable', question: i, reason: 'the verification output is not {"answers": [...]}' };
    const entries = parsed.answers.filter((a) => a.question === i);
    const answer = entries[0];
    if (answer === undefined || entries.length > 1) return { kind: 'unusable', question: i, reason: entries.length > 1 ? 'answered twice' : 'no answer' };
    const key = q.options[q.correctAnswer] ?? '';
    if (answer.option === null) return { kind: 'dispute', question: i, issue: disputed(offset + i, key, null, answer.reason) };
    const chosen = q.options.findIndex((o) => normaliseText(o) === normaliseText(answer.option ?? ''));
    if (chosen < 0) return { kind: 'unusable', question: i, reason: `${quote(answer.option)} is not an option` };
    if (chosen === q.correctAnswer) return { kind: 'agree', question: i };
    return { kind: 'dispute', question: i, issue: disputed(offset + i, key, q.options[chosen] ?? '', answer.reason) };
  });
}

function disputed(position: number, key: string, chosen: string | null, reason: string): Issue {
  const choice = chosen === null ? 'that no option is correct' : `${quote(chosen)}`;
  return {
    path: `questions[${position}].correctAnswer`,
    code: 'answer_disputed',
    message: `an independent solver chose ${choice}, not the key ${quote(key)} (${quote(reason)}); fix the key, rewrite the question so exactly one option is correct, or keep the key if it is right`,
  };
}
