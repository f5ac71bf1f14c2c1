import { describe, expect, it } from 'vitest';
import { formatSegments, jsonSpans, locate, markTree, toSegments } from '../../src/http/pages/highlight.js';

const raw = `Here you go:
\`\`\`json
{"questions": [
  {"question": "A?", "options": ["a", "b"], "correctAnswer": 0},
  {"question": "<script>window.__pwned=1</script>", "options": ["x", "x"], "correctAnswer": 5}
]}
\`\`\``;

const textOf = (span: { start: number; end: number } | null) => (span ? raw.slice(span.start, span.end) : null);

describe('issue paths', () => {
  it('reads the pipeline’s text paths and segment arrays alike', () => {
    expect(toSegments('questions[1].options[0]')).toEqual(['questions', 1, 'options', 0]);
    expect(toSegments('questions.1.correctAnswer')).toEqual(['questions', 1, 'correctAnswer']);
    expect(toSegments(['questions', 2])).toEqual(['questions', 2]);
    expect(toSegments('(answer)')).toEqual([]);
    expect(formatSegments(['questions', 1, 'options'])).toBe('questions[1].options');
    expect(formatSegments([])).toBe('(answer)');
  });
});

describe('locating issues in raw output', () => {
  const spans = jsonSpans(raw);

  it('finds the exact text of a question and of one of its fields, past prose and fences', () => {
    expect(textOf(locate(spans, ['questions', 1, 'correctAnswer']))).toBe('5');
    expect(textOf(locate(spans, ['questions', 1]))).toMatch(/^\{"question": "<script>.*"correctAnswer": 5\}$/);
  });

  it('falls back to the deepest prefix that exists, and to the question list for relative paths', () => {
    expect(textOf(locate(spans, ['questions', 1, 'explanation']))).toMatch(/^\{"question": "<script>/);
    expect(textOf(locate(spans, [0, 'options']))).toBe('["a", "b"]');
    expect(locate(spans, [])).toBeNull();
    expect(locate(spans, ['nothing'])).toBeNull();
  });

  it('keeps what it read of a truncated answer, running open values to the end', () => {
    const cut = '{"questions": [{"question": "A?", "options": ["a", "b"]}, {"question": "B';
    const s = jsonSpans(cut);
    expect(cut.slice(s.get('["questions",0]')?.start ?? 0, s.get('["questions",0]')?.end)).toBe('{"question": "A?", "options": ["a", "b"]}');
    expect(s.get('["questions",1]')?.end).toBe(cut.length);
  });

  it('gives nothing for output that holds no JSON, and survives hostile nesting', () => {
    expect(jsonSpans('I cannot help with that.').size).toBe(0);
    const deep = '['.repeat(10_000) + ']'.repeat(10_000);
    expect(() => jsonSpans(deep)).not.toThrow();
  });
});

describe('mark tree', () => {
  it('nests marks, shares one mark between issues on the same value, and reports answer-level issues as unlocated', () => {
    const { marks, located } = markTree(raw, ['questions[1]', 'questions[1].correctAnswer', 'questions[1].options', '', 'questions[1]']);
    expect(located).toEqual([true, true, true, false, true]);
    expect(marks).toHaveLength(1);
    const q = marks[0];
    expect(q?.issues).toEqual([0, 4]);
    expect(q?.question).toEqual({ index: 1, issues: [0, 1, 2, 4] });
    expect(q?.children.map((c) => raw.slice(c.start, c.end))).toEqual(['["x", "x"]', '5']);
  });

  it('marks the whole question around a field-level issue, also for paths relative to the list', () => {
    const { marks } = markTree(raw, ['[0].options', 'questions[1].correctAnswer']);
    expect(marks.map((m) => [m.question?.index, m.issues, m.children.map((c) => raw.slice(c.start, c.end))])).toEqual([
      [0, [], ['["a", "b"]']],
      [1, [], ['5']],
    ]);
  });
});

describe('bracketed prose before the answer', () => {
  it('skips a "[Quiz]" heading to find the real object', () => {
    const text = '[Quiz] on rivers\n{"questions": [{"question": "Q?"}]}';
    const s = jsonSpans(text);
    const q = s.get('["questions",0,"question"]');
    expect(q && text.slice(q.start, q.end)).toBe('"Q?"');
  });
});
