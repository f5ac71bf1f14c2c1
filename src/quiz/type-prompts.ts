import { fileURLToPath } from 'node:url';
import { optionsPerQuestion, requestedType, type BatchRequest } from '../../schemas/batch-request.js';
import { trueFalseLabels } from '../../schemas/question.js';
import { loadPrompts, type Prompts } from './prompts.js';

/**
 * The prompt set for the `multiple` and `true_false` types. Single questions keep the original
 * templates byte for byte (recorded fixtures key on them); the other types share one set of
 * templates in `prompts/typed/` whose type-specific lines come from here.
 */
const TYPED_DIR = fileURLToPath(new URL('../../prompts/typed/', import.meta.url));

export function typedPrompts(): Prompts {
  return loadPrompts(TYPED_DIR);
}

/**
 * Which statements of a true/false call must be true: batch positions alternate, starting true, so
 * any batch of n gets ⌈n/2⌉ true statements (40–60% for every n ≥ 4) however it is chunked.
 * `positions` are the batch positions the call writes, in order.
 */
export function truthPlan(positions: readonly number[]): boolean[] {
  return positions.map((p) => p % 2 === 0);
}

function planText(positions: readonly number[]): string {
  const plan = truthPlan(positions);
  const lines = plan.map((isTrue, i) => `  - question ${i + 1}: a ${isTrue ? 'TRUE statement (correctAnswer 0)' : 'FALSE statement (correctAnswer 1)'}`);
  return `- Which statements must be true, in order:\n${lines.join('\n')}\n`;
}

/** The placeholders of the typed templates for one request; `positions` only matter for true/false. */
export function typedVars(request: BatchRequest, positions: readonly number[]): Record<string, string> {
  const type = requestedType(request);
  const options = optionsPerQuestion(request);
  if (type === 'true_false') {
    const [t, f] = trueFalseLabels(request.language);
    return {
      type,
      kindName: 'true/false',
      shapeExample: `{"questions": [{"type": "true_false", "question": "…", "options": ["${t}", "${f}"], "correctAnswer": 0, "explanation": "…"}]}`,
      typeRules: [
        `7. \`question\` is one clear statement (not a question) that is either true or false, with no hedging words that make it ambiguous.`,
        `8. \`options\` is exactly ["${t}", "${f}"], in this order.`,
        `9. \`correctAnswer\` is 0 when the statement is true and 1 when it is false. Write false statements that are plausible, not absurd.`,
        `10. \`explanation\` says why the statement is true or false.`,
      ].join('\n'),
      optionsLine: `options exactly ["${t}", "${f}"]`,
      answerLine: '`correctAnswer`: 0 if the statement is true, 1 if it is false',
      plan: planText(positions),
    };
  }
  const maxIndex = options - 1;
  return {
    type,
    kindName: 'multiple-answer',
    shapeExample: '{"questions": [{"type": "multiple", "question": "…", "options": ["…", "…", "…"], "correctAnswers": [0, 2], "explanation": "…"}]}',
    typeRules: [
      '7. A question asks which options are correct ("Which of these …? Select all that apply."); one or more options are correct and at least one is wrong.',
      `8. \`correctAnswers\` lists the 0-based integer indexes of every correct option, ascending and without repeats: 1 to ${maxIndex} entries, each 0 to ${maxIndex}.`,
      '9. No meta-options such as "All of the above" or "A and B". The text of a correct option must not appear in the question.',
      '10. Vary how many options are correct and where they are across the set, in no predictable pattern.',
      '11. `explanation` says why each correct option is right.',
    ].join('\n'),
    optionsLine: `exactly ${options} options`,
    answerLine: `\`correctAnswers\`: ascending, unique 0-based indexes (1 to ${maxIndex} entries, each 0 to ${maxIndex})`,
    plan: '',
  };
}
