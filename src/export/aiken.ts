import { cleanText } from './text.js';
import { kindOf, letter, type ExportQuiz, type QuestionKind } from './types.js';

/** Aiken holds single-answer questions only; the refusal names what it cannot hold, and where. */
export class UnsupportedQuestionTypesError extends Error {
  override readonly name = 'UnsupportedQuestionTypesError';
  constructor(
    readonly format: string,
    readonly offending: readonly { number: number; type: QuestionKind }[],
  ) {
    const types = [...new Set(offending.map((o) => o.type))].join(', ');
    super(`${format} holds single-answer questions only; this batch has ${types} (questions ${offending.map((o) => o.number).join(', ')})`);
  }
}

/** Aiken is line-based: a text is one line, so line breaks become spaces. */
function line(text: string): string {
  return cleanText(text).replace(/\s*\n\s*/g, ' ').trim();
}

/** Moodle's Aiken format: the stem, lettered options, `ANSWER: X`, a blank line between questions. */
export function toAiken(quiz: ExportQuiz): string {
  const offending = quiz.questions.flatMap((q, i) => (kindOf(q) === 'single' ? [] : [{ number: i + 1, type: kindOf(q) }]));
  if (offending.length > 0) throw new UnsupportedQuestionTypesError('aiken', offending);
  const blocks = quiz.questions.map((q) => {
    const answer = 'correctAnswer' in q ? q.correctAnswer : 0;
    return [line(q.question), ...q.options.map((o, i) => `${letter(i)}. ${line(o)}`), `ANSWER: ${letter(answer)}`].join('\n');
  });
  return `${blocks.join('\n\n')}\n`;
}
