/**
 * Reading a pipeline request the way a scripted model needs to: how many questions it asks for,
 * on what topic, and — for a repair turn — which positions. Used by the demo-fixture recorder and
 * the pipeline tests to script an OpenAI-compatible server that behaves like a (fallible) model.
 */
import { get, requestedSchema } from '../model/scripted-providers.js';
import type { ChatCompletionRequestBody } from '../model/scripted-server.js';

export interface QuizAsk {
  topic: string;
  /** Questions the answer must hold (the size of the response_format schema). */
  count: number;
  options: number;
  /** True for a repair turn (it carries the previous output). */
  repair: boolean;
  /** Draft positions a repair asks to replace, in order; empty for a first ask. */
  failing: number[];
  /** The issue list a repair turn carries, verbatim. */
  issues: string;
  maxTokens: number | null;
}

function textOf(message: unknown): string {
  const content = get(message, 'content');
  return typeof content === 'string' ? content : '';
}

/** Decodes what the pipeline asked for from a chat-completions request body. */
export function readAsk(body: ChatCompletionRequestBody): QuizAsk {
  // Wherever the output mode put the schema: response_format, the forced tool, or the prompt.
  const schema = get(requestedSchema(body), 'properties', 'questions');
  const count = Number(get(schema, 'minItems') ?? 0);
  const options = Number(get(schema, 'items', 'properties', 'options', 'minItems') ?? 0);
  const texts = body.messages.map(textOf);
  const all = texts.join('\n');
  const topic = /<topic>\n([\s\S]*?)\n<\/topic>/.exec(all)?.[1] ?? '';
  const last = texts[texts.length - 1] ?? '';
  const repair = last.includes('<previous_output>');
  const failingText = /must be regenerated: ([^\n]*?)\. Every other/.exec(last)?.[1] ?? '';
  const failing = [...failingText.matchAll(/questions\[(\d+)\]/g)].map((m) => Number(m[1]));
  const issues = /\(path, rule code, what to fix\):\n([\s\S]*?)\n\nThese positions/.exec(last)?.[1] ?? '';
  const maxTokens = get(body, 'max_completion_tokens');
  return { topic, count, options, repair, failing, issues, maxTokens: typeof maxTokens === 'number' ? maxTokens : null };
}

export interface DemoQuestion {
  question: string;
  options: string[];
  correctAnswer: number;
  explanation: string;
}

/**
 * A well-formed question numbered `n` about `topic`, with the correct answer at `correct` (models
 * favour index 1, "B", which is exactly what assemble must undo).
 */
export function demoQuestion(topic: string, n: number, options = 4, correct = 1): DemoQuestion {
  return {
    question: `Question ${n} about ${topic}: which statement is the accepted one?`,
    options: Array.from({ length: options }, (_, j) => `Statement ${String.fromCharCode(65 + j)} for item ${n}`),
    correctAnswer: Math.min(correct, options - 1),
    explanation: `Statement ${String.fromCharCode(65 + Math.min(correct, options - 1))} is the accepted answer for item ${n}.`,
  };
}

/** The JSON text a model would send for these questions. */
export function answerText(questions: readonly unknown[]): string {
  return JSON.stringify({ questions });
}
