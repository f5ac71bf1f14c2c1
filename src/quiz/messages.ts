import { createHash } from 'node:crypto';
import type { BatchRequest } from '../../schemas/batch-request.js';
import { quizOutputJsonSchema } from '../../schemas/quiz-output.js';
import { promptsVersion, renderPrompt } from './prompts.js';
import type { Prompts } from './prompts.js';
import type { DraftState } from './draft.js';
import { formatIssuesForPrompt } from './validate/index.js';
import { existingBlock, type ExistingQuestion } from './existing.js';

/** A chat message as sent to the model and stored in the transcript. */
export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

/** Hash of what shapes the JSON Schema we send, so `fixtures check` notices a schema change. */
export function schemaVersion(): string {
  const reference = JSON.stringify(quizOutputJsonSchema(1, 4));
  return createHash('sha256').update(reference).digest('hex').slice(0, 12);
}

/** name → content hash of every piece that shapes a model request (cassette meta and `fixtures check`). */
export function pipelineVersions(prompts: Prompts): Record<string, string> {
  return {
    system: prompts.system.version,
    generate: prompts.generate.version,
    repair: prompts.repair.version,
    schema: schemaVersion(),
  };
}

/** The one prompt version recorded with each call: a hash over every template. */
export function promptVersion(prompts: Prompts): string {
  return promptsVersion(prompts);
}

function requestVars(request: BatchRequest, count: number): Record<string, string | number> {
  return {
    topic: request.topic,
    count,
    options: request.options,
    maxIndex: request.options - 1,
    difficulty: request.difficulty,
    audience: request.audience ?? 'general',
    language: request.language,
  };
}

/** The opening of every conversation: system rules plus the ask for `count` questions. */
export function generateMessages(prompts: Prompts, request: BatchRequest, count: number, existing: readonly ExistingQuestion[] = []): ChatMessage[] {
  const vars = requestVars(request, count);
  return [
    { role: 'system', content: renderPrompt(prompts.system, vars) },
    // Nothing is appended without `distinctFrom`, so those requests (and their cassettes) are unchanged.
    { role: 'user', content: renderPrompt(prompts.generate, vars) + existingBlock(existing) },
  ];
}

/**
 * A repair turn: the original ask, then the model's previous answer, the issue list and a request for
 * replacements of the failing positions only (in order). The valid questions are kept by the
 * pipeline, so the model is never asked to repeat them.
 */
export function repairMessages(prompts: Prompts, request: BatchRequest, draft: DraftState, existing: readonly ExistingQuestion[] = []): ChatMessage[] {
  const failing = draft.failing.map((i) => `questions[${i}]`).join(', ');
  const vars = {
    ...requestVars(request, draft.count),
    issues: formatIssuesForPrompt(draft.issues),
    failing,
    failingCount: draft.failing.length,
    previousOutput: draft.previous ?? '',
  };
  // The repair template embeds the previous answer itself, so it is not repeated as an assistant turn.
  return [...generateMessages(prompts, request, draft.count, existing), { role: 'user', content: renderPrompt(prompts.repair, vars) }];
}
