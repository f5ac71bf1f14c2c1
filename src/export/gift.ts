import { cleanText, toHtml } from './text.js';
import { correctIndexes, type ExportQuestion, type ExportQuiz } from './types.js';

/** GIFT reads these as syntax anywhere in a text; a backslash makes them literal. */
function giftEscape(text: string): string {
  return text.replace(/[\\~=#{}:]/g, (ch) => `\\${ch}`).replace(/\n/g, '\\n');
}

/** Every text goes out as `[html]`, so markup in a question is shown, not rendered. */
function rich(text: string): string {
  return `[html]${giftEscape(toHtml(text))}`;
}

/** Moodle accepts weights with up to five decimals; right ones sum to 100, wrong ones to -100. */
function weight(value: number): string {
  return `%${Number(value.toFixed(5))}%`;
}

function answers(q: ExportQuestion): string[] {
  if ('type' in q && q.type === 'true_false') return [q.correctAnswer === 0 ? 'T' : 'F'];
  if ('type' in q && q.type === 'multiple') {
    const right = new Set(correctIndexes(q));
    const wrongCount = q.options.length - right.size;
    return q.options.map((option, i) =>
      right.has(i) ? `~${weight(100 / right.size)}${rich(option)}` : `~${weight(wrongCount === 0 ? 0 : -100 / wrongCount)}${rich(option)}`,
    );
  }
  return q.options.map((option, i) => `${i === q.correctAnswer ? '=' : '~'}${rich(option)}`);
}

function question(q: ExportQuestion, index: number): string {
  return [
    `::Q${index + 1}::${rich(q.question)} {`,
    ...answers(q).map((a) => `  ${a}`),
    `  ####${rich(q.explanation)}`,
    '}',
  ].join('\n');
}

/**
 * Moodle GIFT: one `::Qn::` block per question, separated by blank lines. True/false questions
 * export as `{T}`/`{F}` (their labels are Moodle's own); the explanation is general feedback.
 */
export function toGift(quiz: ExportQuiz): string {
  const header = `// ${cleanText(quiz.topic).replace(/\n/g, ' ')}\n// quizforge batch ${quiz.id}`;
  return `${[header, ...quiz.questions.map(question)].join('\n\n')}\n`;
}
