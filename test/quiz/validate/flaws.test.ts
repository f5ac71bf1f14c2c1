import { describe, expect, it } from 'vitest';
import { checkFlaws, validateQuizOutput, type FlawCode } from '../../../src/quiz/validate/index.js';
import { CLEAN } from '../../../bench/quality/clean.js';
import { FLAWED } from '../../../bench/quality/flawed.js';
import { outputText, validQuestions } from './factory.js';

const codes = (question: string, options: string[], correctAnswer: unknown = 1): FlawCode[] =>
  checkFlaws({ question, options, correctAnswer }, 'questions[0]').map((f) => f.code);

describe('item-writing-flaw rules, one at a time', () => {
  it('longest_key: a key twice as long as, and 20+ characters longer than, every distractor', () => {
    const flaws = checkFlaws({ question: 'What is inflation?', options: ['A tax', 'A general rise in prices across an economy', 'A bank', 'A loan'], correctAnswer: 1 }, 'questions[2]');
    expect(flaws).toEqual([expect.objectContaining({ code: 'longest_key', severity: 'warning', path: 'questions[2].options[1]' })]);
    expect(codes('Which play features Shylock?', ['Othello', 'The Merchant of Venice', 'Hamlet', 'Macbeth'])).toEqual([]);
  });

  it('grammar_article_cue: "an" that only the key fits, and not when a distractor fits too', () => {
    const flaws = checkFlaws({ question: 'A word that describes a noun is an', options: ['verb', 'adjective', 'pronoun', 'preposition'], correctAnswer: 1 }, 'questions[0]');
    expect(flaws).toEqual([expect.objectContaining({ code: 'grammar_article_cue', severity: 'error', path: 'questions[0].question' })]);
    expect(codes('A word that describes a noun is an', ['adverb', 'adjective', 'pronoun', 'preposition'])).toEqual([]);
    expect(codes('A device that measures time is a', ['hourglass', 'ruler', 'scale', 'thermometer'], 0)).toEqual([]);
  });

  it('grammar_number_cue: a plural stem with only a plural key', () => {
    expect(codes('The building blocks of proteins are', ['a sugar', 'amino acids', 'a lipid', 'a vitamin'])).toEqual(['grammar_number_cue']);
    expect(codes('The building blocks of proteins are', ['simple sugars', 'amino acids', 'fatty acids', 'vitamins'])).toEqual([]);
  });

  it('negative_stem_unemphasised: lowercase or Title-case NOT/EXCEPT/LEAST/cannot, but not capitals or "at least"', () => {
    expect(codes('Which of these is not a mammal?', ['Whale', 'Shark', 'Bat', 'Dolphin'])).toEqual(['negative_stem_unemphasised']);
    expect(codes('Which animal cannot fly?', ['Eagle', 'Penguin', 'Sparrow', 'Crow'])).toEqual(['negative_stem_unemphasised']);
    expect(codes('Which of these is NOT a mammal?', ['Whale', 'Shark', 'Bat', 'Dolphin'])).toEqual([]);
    expect(codes('Which planet has at least one ring?', ['Mercury', 'Saturn', 'Venus', 'Mars'])).toEqual([]);
  });

  it('absolute_in_distractors: "always"/"never" only outside the key', () => {
    expect(codes('What happens to most metals when heated?', ['They always melt', 'They expand', 'They never change', 'They glow'])).toEqual(['absolute_in_distractors']);
    expect(codes('What happens to most metals when heated?', ['They always melt', 'They always expand', 'They shrink', 'They glow'])).toEqual([]);
  });

  it('option_contained: one option word for word inside another', () => {
    expect(codes('Which city is the capital of France?', ['Lyon', 'Paris', 'Paris, Texas', 'Nice'])).toEqual(['option_contained']);
    expect(codes('Which vitamin does skin make in sunlight?', ['Vitamin A', 'Vitamin D', 'Vitamin C', 'Vitamin K'])).toEqual([]);
  });

  it('key_repeats_stem_word: a distinctive stem word in the key and no distractor', () => {
    expect(codes('Which economic system relies on a free market?', ['Command economy', 'Market economy', 'Feudalism', 'Barter'])).toEqual(['key_repeats_stem_word']);
    expect(codes('Which sea has the lowest shoreline?', ['Caspian Sea', 'Dead Sea', 'Aral Sea', 'Red Sea'])).toEqual([]);
  });

  it('implausible_distractor: placeholders and template fillers, not real series or numbers', () => {
    expect(codes('Who discovered penicillin?', ['Option A', 'Alexander Fleming', 'Louis Pasteur', 'Robert Koch'])).toEqual(['implausible_distractor']);
    expect(codes('Who discovered penicillin?', ['N/A', 'Alexander Fleming', '???', 'Robert Koch'])).toEqual(['implausible_distractor']);
    expect(codes('What is the main language of Brazil?', ['Spanish', 'Portuguese', 'Choice 1', 'Choice 2'])).toEqual(['implausible_distractor']);
    expect(codes('What is the square root of 144?', ['11', '12', '13', '111'])).toEqual([]);
  });

  it('skips the key-based rules for a key that is not one option index (type-tolerant)', () => {
    for (const key of [[0, 1], true, 'B', 9, -1, 1.5, null]) {
      expect(codes('What is inflation?', ['A tax', 'A general rise in prices across an economy', 'A bank', 'A loan'], key)).toEqual([]);
    }
    expect(codes('Which of these is not a mammal?', ['Whale', 'Shark'], [0, 1])).toEqual(['negative_stem_unemphasised']);
  });

  it('recall ≥ 0.9 per rule and no clean item flagged on the team corpus', () => {
    for (const item of CLEAN) expect(checkFlaws(item, 'q').map((f) => f.code), item.id).toEqual([]);
    for (const item of FLAWED) expect(new Set(checkFlaws(item, 'q').map((f) => f.code)), item.id).toEqual(new Set(item.flaws));
  });
});

describe('flaws in validateQuizOutput', () => {
  const EXPECT = { count: 3, options: 4 };
  const withItem = (item: { question: string; options: string[]; correctAnswer: number }) => {
    const questions = validQuestions(3);
    questions[1] = { ...item, explanation: 'Because.' };
    return outputText(questions);
  };

  it('an error rejects the question like any issue (repair loop), with an actionable message', () => {
    const result = validateQuizOutput(withItem({ question: 'Which of these is not a mammal?', options: ['Whale', 'Shark', 'Bat', 'Dolphin'], correctAnswer: 1 }), EXPECT);
    if (result.ok) throw new Error('accepted');
    expect(result.issues).toEqual([{ path: 'questions[1].question', code: 'negative_stem_unemphasised', message: expect.stringContaining('capitals (NOT)') }]);
    expect(result.partial.map((p) => p.index)).toEqual([0, 2]);
  });

  it('a warning is reported beside an accepted question; quality "strict" makes it an issue', () => {
    const raw = withItem({ question: 'Which city is the capital of France?', options: ['Lyon', 'Paris', 'Paris, Texas', 'Nice'], correctAnswer: 1 });
    const standard = validateQuizOutput(raw, EXPECT);
    expect(standard.ok).toBe(true);
    expect(standard.warnings).toEqual([expect.objectContaining({ path: 'questions[1].options[2]', code: 'option_contained', severity: 'warning' })]);
    const strict = validateQuizOutput(raw, { ...EXPECT, quality: 'strict' });
    if (strict.ok) throw new Error('accepted in strict');
    expect(strict.issues.map((i) => [i.path, i.code])).toEqual([['questions[1].options[2]', 'option_contained']]);
    expect(strict.warnings).toEqual([]);
  });
});
