import { describe, expect, it } from 'vitest';
import { BatchRequestSchema } from '../../schemas/batch-request.js';
import { generateMessages, repairMessages } from '../../src/quiz/messages.js';
import { quizOutputRequest } from '../../src/quiz/output.js';
import { loadPrompts } from '../../src/quiz/prompts.js';
import { emptyDraft } from '../../src/quiz/draft.js';

const prompts = loadPrompts();

/** Characters two requests share from their start: what a provider's prompt cache can reuse. */
function sharedPrefix(a: unknown, b: unknown): string {
  const x = JSON.stringify(a);
  const y = JSON.stringify(b);
  let i = 0;
  while (i < x.length && i < y.length && x[i] === y[i]) i++;
  return x.slice(0, i);
}

describe('prompts are ordered stable prefix first', () => {
  for (const type of [undefined, 'multiple', 'true_false'] as const) {
    it(`a batch's chunks share everything up to the count they ask for (${type ?? 'single'})`, () => {
      const request = BatchRequestSchema.parse({ topic: 'The water cycle', count: 8, options: 4, ...(type ? { type } : {}) });
      // The default output mode carries the schema in response_format, outside the messages.
      const first = quizOutputRequest('json_schema', generateMessages(prompts, request, 5, [0, 1, 2, 3, 4]), 5, {}).messages;
      const second = quizOutputRequest('json_schema', generateMessages(prompts, request, 3, [5, 6, 7]), 3, {}).messages;
      const shared = sharedPrefix(first, second);
      // System rules, the guidance, the topic and every request setting come before the count.
      expect(shared).toContain('The water cycle');
      expect(shared).toContain('Language of every question, option and explanation: en');
      expect(shared.length).toBeGreaterThan(JSON.stringify(first).length * 0.8);
    });
  }

  it('chunks of one size share the schema instructions of the prompt-carried modes too', () => {
    const request = BatchRequestSchema.parse({ topic: 'The water cycle', count: 10 });
    const schema = { type: 'object', properties: { questions: { type: 'array', minItems: 5 } } };
    const first = quizOutputRequest('json_object', generateMessages(prompts, request, 5, [0, 1, 2, 3, 4]), 5, schema).messages;
    const second = quizOutputRequest('json_object', generateMessages(prompts, request, 5, [5, 6, 7, 8, 9]), 5, schema).messages;
    expect(first[1]?.role).toBe('system');
    expect(sharedPrefix(first, second)).toContain('Language of every question, option and explanation: en');
  });

  it('batches on other topics share the system rules and the guidance', () => {
    const a = generateMessages(prompts, BatchRequestSchema.parse({ topic: 'Volcanoes', count: 5 }), 5);
    const b = generateMessages(prompts, BatchRequestSchema.parse({ topic: 'Glaciers', count: 3 }), 3);
    const shared = sharedPrefix(a, b);
    expect(shared).toContain('Make the wrong options plausible');
    expect(shared.endsWith('<topic>\\n')).toBe(true);
  });

  it('a repair turn starts with the whole first ask, so its prefix is the cached conversation', () => {
    const request = BatchRequestSchema.parse({ topic: 'Volcanoes', count: 2 });
    const ask = generateMessages(prompts, request, 2);
    const draft = { ...emptyDraft(2, 4), failing: [1], previous: '{"questions":[]}' };
    const repair = repairMessages(prompts, request, draft);
    expect(repair.slice(0, ask.length)).toEqual(ask);
  });
});
