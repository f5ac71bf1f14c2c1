import type { FlawCode } from '../../src/quiz/validate/flaws/index.js';

/** One team-written corpus item: a single-answer question and the flaws it was written to have. */
export interface CorpusItem {
  id: string;
  flaws: FlawCode[];
  question: string;
  options: string[];
  correctAnswer: number;
}

/** Two stems and keys that must (paraphrase) or must not (related) count as the same question. */
export interface CorpusPair {
  id: string;
  duplicate: boolean;
  a: { question: string; answer: string };
  b: { question: string; answer: string };
}
