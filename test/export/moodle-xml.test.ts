import { decodeHTML } from 'entities';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import { moodleCategory, toMoodleXml } from '../../src/export/moodle-xml.js';
import { correctIndexes, kindOf } from '../../src/export/types.js';
import { expected, hostileQuiz } from './hostile.js';

interface Field {
  '@_format'?: string;
  text: string;
}
interface Answer extends Field {
  '@_fraction': string;
}
interface MoodleQuestion {
  '@_type': string;
  name?: { text: string };
  category?: { text: string };
  questiontext: Field;
  generalfeedback: Field;
  single?: string;
  answer: Answer[];
}

const parser = new XMLParser({
  ignoreAttributes: false,
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: false,
  isArray: (name) => name === 'question' || name === 'answer',
});

/** A Moodle HTML field as shown: entities decoded, `<br>` line breaks back to newlines. */
function seen(field: Field): string {
  expect(field['@_format']).toBe('html');
  return decodeHTML(String(field.text).replace(/<br>\n/g, '\n'));
}

describe('Moodle XML export, read back by fast-xml-parser', () => {
  const quiz = hostileQuiz();
  const xml = toMoodleXml(quiz);
  const doc = parser.parse(xml) as { quiz: { question: MoodleQuestion[] } };
  const [category, ...questions] = doc.quiz.question;

  it('is a well-formed document even with ]]>, <, & and control characters in the input', () => {
    expect(XMLValidator.validate(xml)).toBe(true);
    // eslint-disable-next-line no-control-regex -- removing control characters is the point
    expect(xml).not.toMatch(/[\u0000-\u0008\u000B\u000C\u000E-\u001F]/);
  });

  it('starts with a category named from the topic, slashes doubled', () => {
    expect(category?.['@_type']).toBe('category');
    expect(category?.category?.text).toBe(moodleCategory(quiz.topic));
    expect(category?.category?.text).toBe('$course$/top/Hostile: {braces} // slashes & <tags> — ∑ 🧪');
  });

  it('keeps stems, options, fractions and feedback of every type', () => {
    expect(questions).toHaveLength(quiz.questions.length);
    quiz.questions.forEach((q, i) => {
      const m = questions[i];
      if (!m) throw new Error(`question ${i + 1} missing`);
      const right = correctIndexes(q);
      expect(m.name?.text).toBe(`Q${i + 1}`);
      expect(seen(m.questiontext)).toBe(expected(q.question));
      expect(seen(m.generalfeedback)).toBe(expected(q.explanation));
      const fractions = m.answer.map((a) => Number(a['@_fraction']));
      if (kindOf(q) === 'true_false') {
        expect(m['@_type']).toBe('truefalse');
        expect(m.answer.map((a) => a.text)).toEqual(['true', 'false']);
        expect(fractions).toEqual(right[0] === 0 ? [100, 0] : [0, 100]);
        return;
      }
      expect(m['@_type']).toBe('multichoice');
      expect(m.single).toBe(kindOf(q) === 'single' ? 'true' : 'false');
      expect(m.answer.map(seen)).toEqual(q.options.map(expected));
      expect(fractions.map((f, k) => f > 0 === right.includes(k))).toEqual(q.options.map(() => true));
      const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
      expect(sum(fractions.filter((f) => f > 0))).toBeCloseTo(100, 3);
      if (kindOf(q) === 'multiple' && right.length < q.options.length) expect(sum(fractions.filter((f) => f < 0))).toBeCloseTo(-100, 3);
    });
  });
});
