/**
 * Reading a pipeline request the way a scripted model needs to: how many questions it asks for,
 * on what topic, and — for a repair turn — which positions. Used by the demo-fixture recorder and
 * the pipeline tests to script an OpenAI-compatible server that behaves like a (fallible) model.
 */
import { extractJson } from '../model/extract.js';
import { get, requestedSchema } from '../model/scripted-providers.js';
import type { ChatCompletionRequestBody, ScriptFn } from '../model/scripted-server.js';

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

/** A verification request as a scripted verifier reads it: the numbered stems and their options. */
export interface VerifyAsk {
  multiple: boolean;
  items: Array<{ question: number; stem: string; options: string[] }>;
}

/** The verification ask of a `quiz_verification` request; null for any other request. */
export function readVerifyAsk(body: ChatCompletionRequestBody): VerifyAsk | null {
  const schema = requestedSchema(body);
  const answer = get(schema, 'properties', 'answers', 'items', 'properties');
  if (answer === undefined || answer === null) return null;
  const multiple = get(answer, 'options') !== undefined;
  const last = textOf(body.messages[body.messages.length - 1]);
  const items: VerifyAsk['items'] = [];
  for (const block of last.split('\n\n')) {
    const m = /^(\d+)\. (.*)\n((?: {3}- .*(?:\n|$))+)$/.exec(block);
    if (!m) continue;
    const options = (m[3] ?? '').split('\n').filter((l) => l.startsWith('   - ')).map((l) => l.slice(5));
    items.push({ question: Number(m[1]), stem: m[2] ?? '', options });
  }
  return { multiple, items };
}

/**
 * A scripted verifier wrapped around a scripted model: quiz answers pass through and teach it each
 * stem's key; a `quiz_verification` request is answered with those keys (an honest solver that
 * agrees), unless `truth` names what a stem's correct option really is. An unknown stem gets its
 * first option, which is a dispute whenever that is not the key.
 */
export function withVerifier(script: ScriptFn, truth: ReadonlyMap<string, readonly string[]> = new Map()): ScriptFn {
  const keys = new Map<string, string[]>();
  return async (req) => {
    const ask = readVerifyAsk(req.body);
    if (ask === null) {
      const reply = await script(req);
      const text = 'content' in reply ? reply.content : 'toolCall' in reply ? reply.toolCall.arguments : '';
      for (const [stem, key] of keysIn(text)) keys.set(stem, key);
      return reply;
    }
    const answers = ask.items.map((it) => {
      const chosen = truth.get(it.stem) ?? keys.get(it.stem) ?? it.options.slice(0, 1);
      const reason = 'This is what the material taught.';
      return ask.multiple ? { question: it.question, options: chosen, reason } : { question: it.question, option: chosen[0] ?? null, reason };
    });
    return { content: JSON.stringify({ answers }), usage: { promptTokens: 120 + 30 * ask.items.length, completionTokens: 25 * ask.items.length } };
  };
}

/** stem → key option texts of every well-shaped question in a quiz answer (fenced or bare). */
function keysIn(text: string): Array<[string, string[]]> {
  let parsed: unknown;
  try {
    const unfenced = text.trim().replace(/^```[A-Za-z]*\s*/, '').replace(/```$/, '');
    parsed = JSON.parse(extractJson(unfenced).text);
  } catch {
    return [];
  }
  const questions = get(parsed, 'questions');
  if (!Array.isArray(questions)) return [];
  return questions.flatMap((q): Array<[string, string[]]> => {
    const stem = get(q, 'question');
    const options = get(q, 'options');
    if (typeof stem !== 'string' || !Array.isArray(options)) return [];
    const many = get(q, 'correctAnswers');
    const one = get(q, 'correctAnswer');
    // A letter key ("B") is what the normaliser turns into an index; the verifier reads it the same way.
    const letter = typeof one === 'string' && /^[A-Fa-f]$/.test(one.trim()) ? one.trim().toUpperCase().charCodeAt(0) - 65 : one;
    const indexes = Array.isArray(many) ? many : [letter];
    const texts = indexes.flatMap((i) => (typeof i === 'number' && typeof options[i] === 'string' ? [options[i] as string] : []));
    return texts.length === 0 ? [] : [[stem, texts]];
  });
}
