import { describe, expect, it } from 'vitest';
import { isMetaOption } from '../../../src/quiz/validate/index.js';

describe('isMetaOption', () => {
  it.each([
    'All of the above',
    'None of the above.',
    'NONE OF THE ABOVE',
    'all the above',
    'All of these',
    'None of these',
    'None of them',
    'Neither of the above',
    'Both of the above',
    'Any of the above',
    'Some of the above',
    'More than one of the above',
    'All of the options listed',
    'All of the above are correct',
    'Only the above',
    'Both A and B',
    'A and B',
    'a and c.',
    'A & B',
    'A, B and C',
    'A, B, and C',
    '(A) and (C)',
    'Neither A nor B',
    'Either A or B',
    'A and B only',
    'Options A and C',
    'Options 1 and 2',
    'All are correct',
    'None is correct',
    'Both are true',
    'All except C',
    'All but B',
    'No correct answer',
    'There is no right answer',
    'No option is correct',
    'All\u00A0of\u00A0the\u00A0above',
    'None of the\u200B above',
    'ＡＬＬ of the above',
  ])('%j is a meta-option', (text) => {
    expect(isMetaOption(text)).toBe(true);
  });

  it.each([
    'Paris',
    'None',
    'Both parents',
    'All Saints Day',
    'Above the clouds',
    'Below sea level',
    'The above-ground parts of the plant',
    'Vitamin A and B12',
    'Salt and pepper',
    'A + B',
    'a/b',
    'Type A and type B blood',
    'No answer',
    'All living organisms',
    'Some bacteria',
    'Neither rain nor snow',
    'Both sides of the equation',
    'Answer: 42',
    'A',
  ])('%j is a real answer', (text) => {
    expect(isMetaOption(text)).toBe(false);
  });
});
