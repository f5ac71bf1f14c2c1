/** Small builders for model outputs: valid by default, broken one field at a time by the tests. */

const WORDS = ['Amber', 'Basalt', 'Cobalt', 'Dolomite', 'Emerald', 'Feldspar'];

export interface RawQuestion {
  question: unknown;
  options: unknown;
  correctAnswer: unknown;
  explanation: unknown;
  [key: string]: unknown;
}

/** A question that passes every rule; `i` keeps texts distinct and moves the correct answer around. */
export function validQuestion(i: number, options = 4): RawQuestion {
  return {
    question: `Which mineral sample was catalogued as specimen number ${i}?`,
    options: WORDS.slice(0, options).map((w) => `${w} sample ${i}`),
    correctAnswer: i % options,
    explanation: `The catalogue lists specimen ${i} under that mineral.`,
  };
}

export function validQuestions(count: number, options = 4): RawQuestion[] {
  return Array.from({ length: count }, (_, i) => validQuestion(i, options));
}

export function outputText(questions: unknown[], extra: Record<string, unknown> = {}): string {
  return JSON.stringify({ questions, ...extra });
}

/** `validQuestions(count)` with question `index` changed by `patch`. */
export function withQuestion(count: number, index: number, patch: Partial<RawQuestion>, options = 4): string {
  const questions = validQuestions(count, options);
  questions[index] = { ...validQuestion(index, options), ...patch };
  return outputText(questions);
}
