import type { ExportQuiz } from '../../src/export/types.js';

/** Texts that break naive writers: every GIFT control character, CDATA ends, markup, emoji, RTL. */
export const HOSTILE = [
  'Braces {like} this, tildes ~ and equals = signs',
  'A colon: a ::title:: and a #hash ####',
  'Ends a CDATA section ]]> and opens <![CDATA[ one',
  '<script>alert("x")</script> & <b>bold</b> &amp; entities',
  'Emoji 🧪🌍 and a ZWJ family 👩‍👩‍👧',
  'عربي: ما هو الماء؟ and עברית {שאלה}',
  'Line one\nline two\nline three',
  'Backslash \\ then \\n literally, and a % percent 50%',
  'Control\u0007char and a tab\there',
];

/** A quiz with every question type, each text hostile. */
export function hostileQuiz(): ExportQuiz {
  const h = (i: number) => HOSTILE[i % HOSTILE.length] ?? '';
  return {
    id: 'b_hostile',
    topic: 'Hostile: {braces} / slashes & <tags> — ∑ 🧪',
    language: 'en',
    questions: [
      { question: h(0), options: [h(1), h(2), h(3), h(4)], correctAnswer: 2, explanation: h(5) },
      { type: 'multiple', question: h(6), options: [h(7), h(8), h(0), h(1), h(2)], correctAnswers: [0, 3], explanation: h(3), evidence: { quote: h(4), sectionId: 's-1', page: 3 } },
      { type: 'true_false', question: h(2), options: ['True', 'False'], correctAnswer: 1, explanation: h(6) },
      { type: 'true_false', question: h(5), options: ['Vrai', 'Faux'], correctAnswer: 0, explanation: h(7) },
      { question: h(8), options: [h(6), h(5)], correctAnswer: 0, explanation: h(0), evidence: { quote: h(1), sectionId: 'intro' } },
      { type: 'multiple', question: h(3), options: [h(4), h(5), h(6)], correctAnswers: [0, 1, 2], explanation: h(8) },
    ],
  };
}

/** What a conforming reader should see of a text: our writers drop XML-invalid controls only. */
export function expected(text: string): string {
  // eslint-disable-next-line no-control-regex -- the controls a writer drops
  return text.replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/g, '').trim();
}
