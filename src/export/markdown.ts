import { cleanText } from './text.js';
import { correctIndexes, kindOf, letter, type ExportQuestion, type ExportQuiz } from './types.js';

/** Markdown and inline HTML read these as syntax; escaped, a hostile text prints as written. */
function md(text: string): string {
  return cleanText(text)
    .replace(/[\\`*_{}[\]()#+\-.!|<>~&]/g, (ch) => `\\${ch}`)
    .replace(/\n/g, '  \n');
}

const HINT: Record<ReturnType<typeof kindOf>, string> = {
  single: 'Choose one.',
  multiple: 'Choose all that apply.',
  true_false: 'True or false?',
};

function question(q: ExportQuestion, n: number): string {
  return [
    `## ${n + 1}. ${md(q.question)}`,
    '',
    `*${HINT[kindOf(q)]}*`,
    '',
    ...q.options.map((o, i) => `- **${letter(i)}.** ${md(o)}`),
  ].join('\n');
}

function key(q: ExportQuestion, n: number): string {
  const evidence = q.evidence ? ` (source: “${md(q.evidence.quote)}”${q.evidence.page === undefined ? '' : `, p. ${q.evidence.page}`})` : '';
  return `${n + 1}. **${correctIndexes(q).map(letter).join(', ')}**: ${md(q.explanation)}${evidence}`;
}

/** A printable quiz: the questions first, the answer key with explanations at the end. */
export function toMarkdown(quiz: ExportQuiz): string {
  return [
    `# ${md(quiz.topic)}`,
    '',
    ...quiz.questions.map((q, n) => `${question(q, n)}\n`),
    '---',
    '',
    '## Answer key',
    '',
    ...quiz.questions.map(key),
    '',
  ].join('\n');
}
