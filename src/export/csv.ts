import { cleanText } from './text.js';
import { correctIndexes, kindOf, letter, type ExportQuiz } from './types.js';

const MAX_OPTIONS = 6;

/** RFC 4180: a field with a comma, quote or line break is quoted, with its quotes doubled. */
function field(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

/** The header row; option columns run A to F, the most options a question can have. */
export const CSV_COLUMNS = [
  'number',
  'type',
  'question',
  ...Array.from({ length: MAX_OPTIONS }, (_, i) => `option_${letter(i)}`),
  'correct',
  'explanation',
  'evidence_quote',
  'evidence_section',
  'evidence_page',
] as const;

/**
 * One row per question, CRLF line ends, UTF-8. `correct` holds the right letters separated by
 * spaces ("A C"), so a spreadsheet filter on one letter finds every question it keys.
 */
export function toCsv(quiz: ExportQuiz): string {
  const rows: string[][] = [[...CSV_COLUMNS]];
  quiz.questions.forEach((q, n) => {
    const options = Array.from({ length: MAX_OPTIONS }, (_, i) => cleanText(q.options[i] ?? ''));
    rows.push([
      String(n + 1),
      kindOf(q),
      cleanText(q.question),
      ...options,
      correctIndexes(q).map(letter).join(' '),
      cleanText(q.explanation),
      cleanText(q.evidence?.quote ?? ''),
      cleanText(q.evidence?.sectionId ?? ''),
      q.evidence?.page === undefined ? '' : String(q.evidence.page),
    ]);
  });
  return rows.map((row) => row.map(field).join(',')).join('\r\n') + '\r\n';
}
