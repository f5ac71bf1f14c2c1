/**
 * The provider rate limit shared by every worker on every host (`model_rate_limits`): each call
 * reserves its request and token slots before it is sent, and a 429 or an exhausted
 * `x-ratelimit-remaining-*` quota seen by any worker pauses the key for all of them.
 *
 * Without a configured RPM/TPM there is nothing to reserve, only pauses to respect: then a call
 * makes no database write and usually no read. Each process keeps what it last read of a key's
 * pause (per database handle) for PAUSE_FRESH_MS, serves it up to PAUSE_STALE_MS while a single
 * background read refreshes it, and learns its own 429s at once. A pause recorded by another
 * process is thus obeyed within PAUSE_STALE_MS at worst (PAUSE_FRESH_MS when calls are steady).
 * Before, every call made a write first while holding its model slot (bench:pipeline).
 */
import type { Executor } from '../db/client.js';
import { modelKeyPauseMs, pauseModelKey, reserveModelSlot } from '../db/quiz/rate-limits.js';
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
  if (!requestsPerMinute && !tokensPerMinute) {
    const pauseMs = await knownPauseMs(db, rateLimitKey(client, model));
    if (pauseMs > 0) await sleep(pauseMs, signal);
    return pauseMs;
  }
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
  if (pause <= 0) return;
  const key = rateLimitKey(client, model);
  const ms = Math.min(pause, maxPauseMs, MAX_PAUSE_MS);
  await pauseModelKey(db, key, ms);
  notePause(db, key, ms);
}

/** A cached pause is used without reading for this long… */
export const PAUSE_FRESH_MS = 200;
/** …and served (while one read refreshes it) up to this age; older, the caller waits for the read. */
export const PAUSE_STALE_MS = 1_000;

interface PauseEntry {
  /** Local clock (Date.now()) until which the key is paused; 0 = not paused. */
  until: number;
  readAt: number;
  reading: Promise<void> | null;
}

/** Per database handle (one per process; tests open one per database), per key. */
const pauses = new WeakMap<Executor, Map<string, PauseEntry>>();

function entriesOf(db: Executor): Map<string, PauseEntry> {
  let m = pauses.get(db);
  if (!m) pauses.set(db, (m = new Map()));
  return m;
}

function notePause(db: Executor, key: string, ms: number): void {
  const e = entriesOf(db).get(key);
  const until = Date.now() + ms;
  if (e) e.until = Math.max(e.until, until);
  else entriesOf(db).set(key, { until, readAt: Date.now(), reading: null });
}

function refresh(db: Executor, key: string, e: PauseEntry): Promise<void> {
  e.reading ??= modelKeyPauseMs(db, key)
    .then((ms) => {
      // A pause this process noted while the read was in flight may outlast what it saw.
      e.until = Math.max(ms > 0 ? Date.now() + ms : 0, e.until > Date.now() ? e.until : 0);
      e.readAt = Date.now();
    })
    .finally(() => {
      e.reading = null;
    });
  return e.reading;
}

/** How long the key is paused as far as this process knows (see the module comment). */
async function knownPauseMs(db: Executor, key: string): Promise<number> {
  const entries = entriesOf(db);
  let e = entries.get(key);
  if (!e) {
    e = { until: 0, readAt: 0, reading: null };
    entries.set(key, e);
  }
  const age = Date.now() - e.readAt;
  if (age >= PAUSE_STALE_MS) await refresh(db, key, e);
  else if (age >= PAUSE_FRESH_MS) void refresh(db, key, e).catch(() => undefined);
  return Math.max(0, e.until - Date.now());
}

/** A rough token estimate of a request: prompt characters / 4 plus the completion limit. */
export function estimateCallTokens(messages: ReadonlyArray<{ content: string }>, maxTokens: number): number {
  return Math.ceil(messages.reduce((n, m) => n + m.content.length, 0) / 4) + maxTokens;
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    // An already aborted signal never fires 'abort' again: without this the caller slept in full.
    if (signal?.aborted) {
      resolve();
      return;
    }
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
