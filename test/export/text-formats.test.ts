import { parse as parseCsv } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { toAiken, UnsupportedQuestionTypesError } from '../../src/export/aiken.js';
import { CSV_COLUMNS, toCsv } from '../../src/export/csv.js';
import { EXPORT_FORMATS, renderExport } from '../../src/export/formats.js';
import { toMarkdown } from '../../src/export/markdown.js';
import { correctIndexes, kindOf, letter, type ExportQuiz } from '../../src/export/types.js';
import { expected, HOSTILE, hostileQuiz } from './hostile.js';

const quiz = hostileQuiz();

describe('CSV export (RFC 4180), read back by csv-parse', () => {
  const csv = toCsv(quiz);
  const rows = parseCsv(csv, { columns: true, relax_column_count: false }) as Record<string, string>[];

  it('uses CRLF records and one row per question under the documented header', () => {
    expect(csv.split('\r\n')[0]).toBe(CSV_COLUMNS.join(','));
    expect(rows).toHaveLength(quiz.questions.length);
  });

  it('keeps type, texts, letters and evidence through quotes, commas and newlines', () => {
    quiz.questions.forEach((q, i) => {
      const row = rows[i] ?? {};
      expect(row.number).toBe(String(i + 1));
      expect(row.type).toBe(kindOf(q));
      expect(row.question).toBe(expected(q.question));
      q.options.forEach((o, k) => expect(row[`option_${letter(k)}`]).toBe(expected(o)));
      expect(row.correct).toBe(correctIndexes(q).map(letter).join(' '));
      expect(row.explanation).toBe(expected(q.explanation));
      expect(row.evidence_quote).toBe(q.evidence ? expected(q.evidence.quote) : '');
      expect(row.evidence_page).toBe(q.evidence?.page === undefined ? '' : String(q.evidence.page));
    });
  });
});

describe('Aiken export', () => {
  const singles: ExportQuiz = { ...quiz, questions: quiz.questions.filter((q) => kindOf(q) === 'single') };

  it('writes the stem, lettered options and ANSWER on single lines', () => {
    const blocks = toAiken(singles).trimEnd().split('\n\n');
    expect(blocks).toHaveLength(singles.questions.length);
    singles.questions.forEach((q, i) => {
      const lines = blocks[i]?.split('\n') ?? [];
      expect(lines).toHaveLength(q.options.length + 2);
      expect(lines[0]).toBe(expected(q.question).replace(/\s*\n\s*/g, ' '));
      expect(lines.at(-1)).toBe(`ANSWER: ${letter(correctIndexes(q)[0] ?? -1)}`);
      q.options.forEach((o, k) => expect(lines[k + 1]).toBe(`${letter(k)}. ${expected(o).replace(/\s*\n\s*/g, ' ')}`));
    });
  });

  it('refuses other types, naming them and their question numbers', () => {
    let caught: unknown;
    try {
      toAiken(quiz);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(UnsupportedQuestionTypesError);
    expect((caught as UnsupportedQuestionTypesError).offending).toEqual([
      { number: 2, type: 'multiple' },
      { number: 3, type: 'true_false' },
      { number: 4, type: 'true_false' },
      { number: 6, type: 'multiple' },
    ]);
    expect((caught as Error).message).toContain('multiple, true_false');
  });
});

describe('Markdown export', () => {
  const md = toMarkdown(quiz);

  it('prints every question, then the answer key at the end', () => {
    const keyAt = md.indexOf('## Answer key');
    expect(keyAt).toBeGreaterThan(0);
    const [body, key] = [md.slice(0, keyAt), md.slice(keyAt)];
    expect(body.match(/^## \d+\. /gm)).toHaveLength(quiz.questions.length);
    expect(key.match(/^\d+\. \*\*[A-F](, [A-F])*\*\*:/gm)?.map((l) => l.match(/\*\*(.*)\*\*/)?.[1])).toEqual(
      quiz.questions.map((q) => correctIndexes(q).map(letter).join(', ')),
    );
  });

  it('escapes markup, so no raw tag or heading comes from a question text', () => {
    expect(md).not.toContain('<script>');
    expect(md).toContain('\\<script\\>');
    expect(md.split('\n').filter((l) => l.startsWith('#')).every((l) => /^(# |## \d+\. |## Answer key)/.test(l))).toBe(true);
  });
});

describe('every format', () => {
  it.each(EXPORT_FORMATS.filter((f) => f !== 'aiken'))('%s renders the hostile quiz with a file name from the topic', (format) => {
    const file = renderExport(quiz, format);
    expect(file.fileName.startsWith('hostile-braces-slashes-tags.')).toBe(true);
    expect(file.fileName).toMatch(/^[a-z0-9-]+\.[a-z0-9.]+$/);
    expect(file.body.length).toBeGreaterThan(HOSTILE.length);
  });

  it('json carries the questions exactly as given', () => {
    const body = renderExport(quiz, 'json').body as string;
    expect(JSON.parse(body)).toEqual({ id: quiz.id, topic: quiz.topic, language: 'en', questions: quiz.questions });
  });

  it('a topic with no ASCII letters falls back to the batch id', () => {
    expect(renderExport({ ...quiz, topic: 'عربي' }, 'gift').fileName).toBe('quiz-b_hostile.gift.txt');
  });
});
