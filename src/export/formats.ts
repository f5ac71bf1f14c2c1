import { toAiken } from './aiken.js';
import { toCsv } from './csv.js';
import { toGift } from './gift.js';
import { toMarkdown } from './markdown.js';
import { toMoodleXml } from './moodle-xml.js';
import { toQti21 } from './qti21.js';
import { fileStem } from './text.js';
import type { ExportQuiz } from './types.js';

import { EXPORT_FORMATS, type ExportFormat } from '../../schemas/export.js';

export { EXPORT_FORMATS, type ExportFormat };

interface FormatSpec {
  label: string;
  contentType: string;
  extension: string;
  render(quiz: ExportQuiz): string | Uint8Array;
}

const SPECS: Record<ExportFormat, FormatSpec> = {
  gift: { label: 'Moodle GIFT', contentType: 'text/plain; charset=utf-8', extension: 'gift.txt', render: toGift },
  'moodle-xml': { label: 'Moodle XML', contentType: 'application/xml; charset=utf-8', extension: 'moodle.xml', render: toMoodleXml },
  qti21: { label: 'IMS QTI 2.1 (zip)', contentType: 'application/zip', extension: 'qti21.zip', render: toQti21 },
  csv: { label: 'CSV', contentType: 'text/csv; charset=utf-8; header=present', extension: 'csv', render: toCsv },
  aiken: { label: 'Aiken', contentType: 'text/plain; charset=utf-8', extension: 'aiken.txt', render: toAiken },
  markdown: { label: 'Markdown', contentType: 'text/markdown; charset=utf-8', extension: 'md', render: toMarkdown },
  json: {
    label: 'JSON',
    contentType: 'application/json; charset=utf-8',
    extension: 'json',
    render: (quiz) => `${JSON.stringify({ id: quiz.id, topic: quiz.topic, language: quiz.language, questions: quiz.questions }, null, 2)}\n`,
  },
};

export function isExportFormat(value: string): value is ExportFormat {
  return (EXPORT_FORMATS as readonly string[]).includes(value);
}

export function formatLabel(format: ExportFormat): string {
  return SPECS[format].label;
}

/** A rendered export, ready to send: bytes or text, its media type and a download file name. */
export interface ExportFile {
  body: string | Uint8Array;
  contentType: string;
  fileName: string;
}

/** Renders a quiz in one format; throws `UnsupportedQuestionTypesError` when the format cannot hold it. */
export function renderExport(quiz: ExportQuiz, format: ExportFormat): ExportFile {
  const spec = SPECS[format];
  return { body: spec.render(quiz), contentType: spec.contentType, fileName: `${fileStem(quiz.topic, `quiz-${quiz.id}`)}.${spec.extension}` };
}
