import { createHash } from 'node:crypto';
import { requestedType, type BatchRequest } from '../../schemas/batch-request.js';
import { quizOutputJsonSchema } from '../../schemas/quiz-output.js';
import { questionsJsonSchema } from '../../schemas/question.js';
import { promptsVersion, renderPrompt } from './prompts.js';
import type { Prompts } from './prompts.js';
import type { DraftState } from './draft.js';
import { typedPrompts, typedVars } from './type-prompts.js';
import { materialMessage } from './material.js';
import type { Section } from '../sources/types.js';
import { formatIssuesForPrompt } from './validate/index.js';
import { existingBlock, type ExistingQuestion } from './existing.js';
import { verificationVersion } from './verify.js';

/** A chat message as sent to the model and stored in the transcript. */
export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

// The schema versions depend on code alone, so each is computed once per process: building the
// JSON Schemas behind them on every job was half of generateQuestions' CPU (bench:pipeline profile).
let schemaVersionOnce: string | undefined;
let typedSchemaVersionOnce: string | undefined;

/** Hash of what shapes the JSON Schema we send, so `fixtures check` notices a schema change. */
export function schemaVersion(): string {
  return (schemaVersionOnce ??= createHash('sha256').update(JSON.stringify(quizOutputJsonSchema(1, 4))).digest('hex').slice(0, 12));
}

/** Hash of the typed and source-grounded JSON Schemas (`multiple`, `true_false`, `evidence`), which `schema` does not cover. */
export function typedSchemaVersion(): string {
  if (typedSchemaVersionOnce !== undefined) return typedSchemaVersionOnce;
  const reference = JSON.stringify([
    questionsJsonSchema({ type: 'multiple', count: 1, options: 4, language: 'en' }),
    questionsJsonSchema({ type: 'true_false', count: 1, options: 2, language: 'en' }),
    questionsJsonSchema({ type: 'single', count: 1, options: 4, language: 'en', sectionIds: ['s1'] }),
  ]);
  return (typedSchemaVersionOnce = createHash('sha256').update(reference).digest('hex').slice(0, 12));
}

/** name → content hash of every piece that shapes a model request (cassette meta and `fixtures check`). */
export function pipelineVersions(prompts: Prompts): Record<string, string> {
  const typed = typedPrompts();
  return {
    system: prompts.system.version,
    generate: prompts.generate.version,
    repair: prompts.repair.version,
    typedSystem: typed.system.version,
    typedGenerate: typed.generate.version,
    typedRepair: typed.repair.version,
    schema: schemaVersion(),
    typedSchema: typedSchemaVersion(),
    verify: verificationVersion(),
  };
}

/**
 * The one prompt version recorded with each call: a hash over every template of the set the call
 * used (the original one for `single`, `prompts/typed/` for the other types).
 */
export function promptVersion(prompts: Prompts, request?: BatchRequest): string {
  return promptsVersion(request === undefined || requestedType(request) === 'single' ? prompts : typedPrompts());
}

function requestVars(request: BatchRequest, count: number): Record<string, string | number> {
  return {
    topic: request.topic ?? '',
    count,
    options: request.options,
    maxIndex: request.options - 1,
    difficulty: request.difficulty,
    audience: request.audience ?? 'general',
    language: request.language,
  };
}

/** The templates and variables of a request's type: the original set for single, `prompts/typed/` otherwise. */
function promptsFor(prompts: Prompts, request: BatchRequest, count: number, positions: readonly number[]) {
  const vars = requestVars(request, count);
  if (requestedType(request) === 'single') return { prompts, vars };
  return { prompts: typedPrompts(), vars: { ...vars, ...typedVars(request, positions) } };
}

/**
 * The opening of every conversation: system rules plus the ask for `count` questions. `positions`
 * are the batch positions written (they decide the true/false plan); default 0…count−1.
 * `existing` (from `distinctFrom`) is appended to the ask; without it the ask is unchanged, so
 * those requests (and their cassettes) are exactly as before.
 */
export function generateMessages(
  prompts: Prompts,
  request: BatchRequest,
  count: number,
  positions?: readonly number[],
  material?: readonly Section[],
  existing: readonly ExistingQuestion[] = [],
): ChatMessage[] {
  const chosen = promptsFor(prompts, request, count, positions ?? Array.from({ length: count }, (_, i) => i));
  const system: ChatMessage = { role: 'system', content: renderPrompt(chosen.prompts.system, chosen.vars) };
  const ask: ChatMessage = { role: 'user', content: renderPrompt(chosen.prompts.generate, chosen.vars) + existingBlock(existing) };
  return material === undefined ? [system, ask] : [system, { role: 'user', content: materialMessage(material) }, ask];
}

/**
 * A repair turn: the original ask, then the model's previous answer, the issue list and a request for
 * replacements of the failing positions only (in order). The valid questions are kept by the
 * pipeline, so the model is never asked to repeat them.
 */
export function repairMessages(
  prompts: Prompts,
  request: BatchRequest,
  draft: DraftState,
  offset = 0,
  material?: readonly Section[],
  existing: readonly ExistingQuestion[] = [],
): ChatMessage[] {
  const failing = draft.failing.map((i) => `questions[${i}]`).join(', ');
  const positions = Array.from({ length: draft.count }, (_, i) => offset + i);
  const chosen = promptsFor(prompts, request, draft.count, positions);
  const vars = {
    ...chosen.vars,
    issues: formatIssuesForPrompt(draft.issues),
    failing,
    failingCount: draft.failing.length,
    previousOutput: draft.previous ?? '',
  };
  // The repair template embeds the previous answer itself, so it is not repeated as an assistant turn.
  return [...generateMessages(prompts, request, draft.count, positions, material, existing), { role: 'user', content: renderPrompt(chosen.prompts.repair, vars) }];
}
