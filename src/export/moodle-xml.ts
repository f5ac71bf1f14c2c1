import { create } from 'xmlbuilder2';
import type { XMLBuilder } from 'xmlbuilder2/lib/interfaces.js';
import { cleanText, toHtml, xmlSafe } from './text.js';
import { correctIndexes, kindOf, type ExportQuestion, type ExportQuiz } from './types.js';

/** A Moodle HTML text field; the builder escapes it, so `]]>`, `<` and `&` stay plain text. */
function htmlField(parent: XMLBuilder, name: string, text: string): void {
  parent.ele(name, { format: 'html' }).ele('text').txt(xmlSafe(toHtml(text)));
}

/** Moodle reads a `/` in a category as a path separator; doubled, it is a literal slash. */
export function moodleCategory(topic: string): string {
  return `$course$/top/${cleanText(topic).replace(/\n/g, ' ').replace(/\//g, '//')}`;
}

/** Fractions Moodle accepts: right ones sum to 100, wrong ones (multiple-answer) to -100. */
function fractions(q: ExportQuestion): number[] {
  const right = new Set(correctIndexes(q));
  if (kindOf(q) !== 'multiple') return q.options.map((_, i) => (right.has(i) ? 100 : 0));
  const wrong = q.options.length - right.size;
  return q.options.map((_, i) => Number((right.has(i) ? 100 / right.size : wrong === 0 ? 0 : -100 / wrong).toFixed(5)));
}

function addQuestion(quiz: XMLBuilder, q: ExportQuestion, index: number): void {
  const kind = kindOf(q);
  const el = quiz.ele('question', { type: kind === 'true_false' ? 'truefalse' : 'multichoice' });
  el.ele('name').ele('text').txt(`Q${index + 1}`);
  htmlField(el, 'questiontext', q.question);
  htmlField(el, 'generalfeedback', q.explanation);
  el.ele('defaultgrade').txt('1');
  el.ele('penalty').txt(kind === 'true_false' ? '1' : '0.3333333');
  el.ele('hidden').txt('0');
  if ('type' in q && q.type === 'true_false') {
    // Moodle's true/false answers are the words `true` and `false`; the labels stay in JSON/CSV.
    for (const [i, word] of (['true', 'false'] as const).entries()) {
      const answer = el.ele('answer', { fraction: i === q.correctAnswer ? '100' : '0', format: 'moodle_auto_format' });
      answer.ele('text').txt(word);
      answer.ele('feedback', { format: 'html' }).ele('text');
    }
    return;
  }
  el.ele('single').txt(kind === 'single' ? 'true' : 'false');
  el.ele('shuffleanswers').txt('false');
  el.ele('answernumbering').txt('ABCD');
  const fraction = fractions(q);
  q.options.forEach((option, i) => {
    const answer = el.ele('answer', { fraction: String(fraction[i]), format: 'html' });
    answer.ele('text').txt(xmlSafe(toHtml(option)));
    answer.ele('feedback', { format: 'html' }).ele('text');
  });
}

/**
 * Moodle XML: a category from the topic, then one `multichoice` (single or multiple answer) or
 * `truefalse` question per quiz question, with the explanation as general feedback.
 */
export function toMoodleXml(quiz: ExportQuiz): string {
  const doc = create({ version: '1.0', encoding: 'UTF-8' });
  const root = doc.ele('quiz');
  root.ele('question', { type: 'category' }).ele('category').ele('text').txt(xmlSafe(moodleCategory(quiz.topic)));
  quiz.questions.forEach((q, i) => addQuestion(root, q, i));
  return doc.end({ prettyPrint: true });
}
