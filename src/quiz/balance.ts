import { createHash } from 'node:crypto';
import type { AnyQuestion, MultipleQuestion, SingleQuestion } from '../../schemas/question.js';

/** The part of a question balancing touches; other fields ride along unchanged. */
export interface Shufflable {
  options: string[];
  correctAnswer: number;
}

/**
 * A small deterministic PRNG (sfc32) seeded from a string: the same batch id always yields the
 * same shuffle, so a re-run assemble writes exactly the rows a first run would have.
 */
export function seededRandom(seed: string): () => number {
  const h = createHash('sha256').update(seed).digest();
  let a = h.readUInt32LE(0);
  let b = h.readUInt32LE(4);
  let c = h.readUInt32LE(8);
  let d = h.readUInt32LE(12);
  const next = (): number => {
    a >>>= 0;
    b >>>= 0;
    c >>>= 0;
    d >>>= 0;
    const t = (((a + b) >>> 0) + d) >>> 0;
    d = (d + 1) >>> 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) >>> 0;
    c = ((c << 21) | (c >>> 11)) >>> 0;
    c = (c + t) >>> 0;
    return t / 4294967296;
  };
  for (let i = 0; i < 12; i += 1) next();
  return next;
}

function shuffleInPlace<T>(items: T[], random: () => number): T[] {
  for (let i = items.length - 1; i > 0; i -= 1) {
    const j = Math.floor(random() * (i + 1));
    const tmp = items[i] as T;
    items[i] = items[j] as T;
    items[j] = tmp;
  }
  return items;
}

/**
 * Reorders each question's options so the correct answers are spread evenly over the positions
 * (LLMs favour "B"): every position gets ⌊n/k⌋ or ⌈n/k⌉ of the n questions with k options, the
 * assignment and the wrong options' order coming from the seeded RNG. Pure: returns new objects.
 */
export function balanceAnswerPositions<Q extends Shufflable>(questions: readonly Q[], seed: string): Q[] {
  const random = seededRandom(seed);
  const byOptionCount = new Map<number, number[]>();
  questions.forEach((q, i) => {
    const group = byOptionCount.get(q.options.length) ?? [];
    group.push(i);
    byOptionCount.set(q.options.length, group);
  });
  const targets = new Array<number>(questions.length).fill(0);
  for (const [k, members] of [...byOptionCount.entries()].sort((x, y) => x[0] - y[0])) {
    // Start each cycle at a random offset so small batches do not always favour position 0.
    const offset = Math.floor(random() * k);
    const slots = shuffleInPlace(members.map((_, i) => (i + offset) % k), random);
    members.forEach((qi, i) => {
      targets[qi] = slots[i] ?? 0;
    });
  }
  return questions.map((q, i) => {
    const correct = q.options[q.correctAnswer];
    if (correct === undefined) return { ...q, options: [...q.options] };
    const wrong = shuffleInPlace(q.options.filter((_, j) => j !== q.correctAnswer), random);
    const target = targets[i] ?? 0;
    const options = [...wrong.slice(0, target), correct, ...wrong.slice(target)];
    return { ...q, options, correctAnswer: target };
  });
}

/** Share of correct answers at each position, for tests and metrics. */
export function answerPositionShares(questions: readonly Shufflable[], optionCount: number): number[] {
  const counts = new Array<number>(optionCount).fill(0);
  for (const q of questions) counts[q.correctAnswer] = (counts[q.correctAnswer] ?? 0) + 1;
  return counts.map((c) => (questions.length === 0 ? 0 : c / questions.length));
}

/**
 * Balancing by type. Single questions: answer positions spread as above. Multiple-answer ones:
 * options shuffled by the seeded RNG and `correctAnswers` remapped (still ascending), so the
 * correct positions vary; their count is the model's, asked to vary by the prompt. True/false:
 * left alone, since the labels have a fixed order and the truth share is checked by the validator.
 */
export function balanceQuestions(questions: readonly AnyQuestion[], seed: string): AnyQuestion[] {
  const singles: Array<{ i: number; q: SingleQuestion }> = [];
  questions.forEach((q, i) => {
    if (!('type' in q)) singles.push({ i, q });
  });
  const out = [...questions];
  balanceAnswerPositions(singles.map((s) => s.q), seed).forEach((q, j) => {
    out[singles[j]?.i ?? 0] = q;
  });
  const random = seededRandom(`${seed}:multiple`);
  return out.map((q) => ('type' in q && q.type === 'multiple' ? shuffleMultiple(q, random) : q));
}

function shuffleMultiple(q: MultipleQuestion, random: () => number): MultipleQuestion {
  const order = shuffleInPlace(q.options.map((_, j) => j), random);
  const correct = new Set(q.correctAnswers);
  const correctAnswers = order.flatMap((from, to) => (correct.has(from) ? [to] : []));
  return { ...q, options: order.map((from) => q.options[from] ?? ''), correctAnswers };
}
