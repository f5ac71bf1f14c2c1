import type { Executor } from '../db/client.js';
import { listStemsOfBatches, type ExistingStem } from '../db/quiz/index.js';
import type { Question } from '../../schemas/quiz-output.js';
import { fingerprint, isNearDuplicate, questionFingerprint, type Fingerprint, type Issue } from './validate/index.js';
import { quote } from './validate/text.js';

/** At most this many earlier questions are compared against (20 batches × 50 questions). */
export const MAX_EXISTING = 1000;
/** At most this many earlier stems are shown to the model; the check still covers all of them. */
export const MAX_SHOWN = 100;
const SHOWN_CHARS = 200;

export interface ExistingQuestion extends ExistingStem {
  print: Fingerprint;
}

/** The questions of the request's `distinctFrom` batches, fingerprinted once per job run. */
export async function loadExisting(db: Executor, distinctFrom: readonly string[] | undefined): Promise<ExistingQuestion[]> {
  if (distinctFrom === undefined || distinctFrom.length === 0) return [];
  const stems = await listStemsOfBatches(db, [...new Set(distinctFrom)], MAX_EXISTING);
  return stems.map((s) => ({ ...s, print: fingerprint(s.question, s.answer) }));
}

/** The earlier question a new one repeats or paraphrases, if any. */
export function clashWith(question: Pick<Question, 'question' | 'options'> & { correctAnswer?: unknown }, existing: readonly ExistingQuestion[]): ExistingQuestion | null {
  if (existing.length === 0) return null;
  const print = questionFingerprint(question);
  return existing.find((e) => isNearDuplicate(e.print, print)) ?? null;
}

export function duplicateOfExisting(position: number, earlier: ExistingQuestion): Issue {
  return {
    path: `questions[${position}].question`,
    code: 'duplicate_of_existing',
    message: `asks the same as question ${earlier.position} of earlier batch ${earlier.batchId} (${quote(earlier.question)}); write a question on a fact the earlier quizzes do not cover`,
  };
}

/** The block appended to the generation ask: the earlier stems the model must not repeat (bounded). */
export function existingBlock(existing: readonly ExistingQuestion[]): string {
  if (existing.length === 0) return '';
  const shown = existing.slice(0, MAX_SHOWN).map((e) => `- ${e.question.slice(0, SHOWN_CHARS).replace(/\s+/g, ' ')}`);
  const more = existing.length > shown.length ? `\n- … and ${existing.length - shown.length} more` : '';
  return `\n\nEarlier quizzes already ask the questions below. Do not repeat or paraphrase any of them; ask about other facts.\n<existing_questions>\n${shown.join('\n')}${more}\n</existing_questions>`;
}
