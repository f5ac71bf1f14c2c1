/**
 * The provider rate limit shared by every worker on every host (`model_rate_limits`): each call
 * reserves its request and token slots before it is sent, and a 429 or an exhausted
 * `x-ratelimit-remaining-*` quota seen by any worker pauses the key for all of them.
 */
import type { Executor } from '../db/client.js';
import { pauseModelKey, reserveModelSlot } from '../db/quiz/rate-limits.js';
import type { ChatOutcome } from '../model/chat.js';
import type { ModelClient } from '../model/client.js';
import { quotaPauseMs } from '../model/rate-headers.js';

/** A 429 with no `Retry-After` still holds everyone back this long. */
export const DEFAULT_429_PAUSE_MS = 1_000;
/** A pause asked for by a header is capped so a bogus value cannot park every worker for an hour. */
const MAX_PAUSE_MS = 60_000;

export function rateLimitKey(client: ModelClient, model: string): string {
  return `${client.baseURL} ${model}`;
}

/** Waits until this call may be sent under the shared limits. `tokens` is the call's estimate. */
export async function acquireModelSlot(
  db: Executor,
  client: ModelClient,
  model: string,
  tokens: number,
  signal?: AbortSignal,
): Promise<number> {
  const { requestsPerMinute, tokensPerMinute } = client.limits;
  const waitMs = await reserveModelSlot(db, {
    key: rateLimitKey(client, model),
    requestIntervalMs: requestsPerMinute ? 60_000 / requestsPerMinute : 0,
    tokenIntervalMs: tokensPerMinute ? 60_000 / tokensPerMinute : 0,
    tokens,
    burst: 1,
  });
  // The slot is reserved: waiting it out in full is what keeps every worker under the limit.
  if (waitMs > 0) await sleep(waitMs, signal);
  return waitMs;
}

/**
 * After a call: a 429, or a response saying the quota is spent, slows every worker. The pause is
 * capped at `maxPauseMs` (the same clamp as a job's Retry-After, never above 60 s).
 */
export async function observeModelLimits(
  db: Executor,
  client: ModelClient,
  model: string,
  outcome: ChatOutcome,
  maxPauseMs: number = MAX_PAUSE_MS,
): Promise<void> {
  const pause =
    outcome.kind === 'error'
      ? outcome.error.kind === 'rate_limited'
        ? Math.max(outcome.error.retryAfterMs ?? DEFAULT_429_PAUSE_MS, quotaPauseMs(outcome.error.rateLimit))
        : 0
      : quotaPauseMs(outcome.rateLimit);
  if (pause > 0) await pauseModelKey(db, rateLimitKey(client, model), Math.min(pause, maxPauseMs, MAX_PAUSE_MS));
}

/** A rough token estimate of a request: prompt characters / 4 plus the completion limit. */
export function estimateCallTokens(messages: ReadonlyArray<{ content: string }>, maxTokens: number): number {
  return Math.ceil(messages.reduce((n, m) => n + m.content.length, 0) / 4) + maxTokens;
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
