import type { Executor } from '../db/client.js';
import { getEconomyAnswer } from '../db/quiz/index.js';
import { completionOutcome } from '../model/chat.js';
import type { Completion } from './model-call.js';

/**
 * The Batch API's answer to a chunk's first ask, as a completion the repair loop treats like a
 * live one; null when the chunk has none (not answered in the batch, or the batch fell back).
 */
export async function economyAnswer(db: Executor, jobId: number): Promise<Completion | null> {
  const stored = await getEconomyAnswer(db, jobId);
  if (stored === null) return null;
  const outcome = completionOutcome(stored.completion);
  return outcome.kind === 'completion' ? outcome : null;
}
