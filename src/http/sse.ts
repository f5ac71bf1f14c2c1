import type { Context } from 'hono';
import { streamSSE, type SSEStreamingApi } from 'hono/streaming';
import type { SseEventData } from '../../schemas/api.js';
import type { EngineEvent } from '../engine/types.js';
import type { Logger } from '../log.js';
import type { EventFeed } from './deps.js';
import type { AppEnv } from './env.js';
import { ApiError } from './errors.js';
import type { EventHub, HubSubscriber } from './sse-hub.js';

/** The state a job (or batch) is in after an event, for clients that only want a progress bar. */
const STATE_AFTER: Record<string, string> = {
  'job.enqueued': 'ready',
  'job.unblocked': 'ready',
  'job.started': 'running',
  'job.retry_scheduled': 'ready',
  'job.succeeded': 'succeeded',
  'job.dead': 'dead',
  'job.replayed': 'ready',
  'job.discarded': 'discarded',
  'batch.succeeded': 'succeeded',
  'batch.failed': 'failed',
  'job.cancelled': 'cancelled',
  'batch.cancelled': 'cancelled',
};

/** Engine journal row → SSE message: id and name from the row, data with the fields clients rely on. */
export function toSseMessage(e: EngineEvent): { id: string; event: string; data: string } {
  const state = typeof e.data.state === 'string' ? e.data.state : (STATE_AFTER[e.type] ?? 'unknown');
  const at = new Date(e.createdAt);
  const data: SseEventData = {
    ...e.data,
    jobId: e.jobId,
    batchId: e.groupId,
    state,
    at: Number.isNaN(at.getTime()) ? new Date(0).toISOString() : at.toISOString(),
  };
  // An event name is one line of a text protocol; never let a stored value break the framing.
  const event = e.type.replace(/[^\w.:-]/g, '_') || 'message';
  return { id: String(e.id), event, data: JSON.stringify(data) };
}

export interface SessionOptions {
  feed: EventFeed;
  hub: EventHub;
  log: Logger;
  groupId: string | null;
  /** Last-Event-ID of a reconnecting client; null to start live. */
  after: number | null;
  keepAliveMs: number;
  /** Reconnect delay announced to the client. */
  retryMs: number;
  /** Queued live events beyond which a too-slow client is cut off (it reconnects and replays). */
  maxQueue?: number;
  replayBatch?: number;
}

/**
 * One client's stream: replay what it missed from the journal, then follow the hub's live edge,
 * writing each id once and in order. Runs until the client goes away.
 */
class SseSession implements HubSubscriber {
  readonly groupId: string | null;
  private queue: EngineEvent[] = [];
  private lastSent = 0;
  private notify: (() => void) | null = null;
  private stopped = false;

  constructor(
    private readonly stream: SSEStreamingApi,
    private readonly opts: SessionOptions,
  ) {
    this.groupId = opts.groupId;
  }

  deliver(events: EngineEvent[]): void {
    this.queue.push(...events);
    if (this.queue.length > (this.opts.maxQueue ?? 10_000)) {
      this.opts.log.warn({ queued: this.queue.length }, 'SSE client too slow; closing so it replays on reconnect');
      this.stop();
    }
    this.wakeWriter();
  }

  stop(): void {
    this.stopped = true;
    this.wakeWriter();
  }

  private wakeWriter(): void {
    const n = this.notify;
    this.notify = null;
    n?.();
  }

  private async send(events: EngineEvent[]): Promise<void> {
    for (const e of events) {
      if (this.stopped) return;
      if (e.id <= this.lastSent) continue;
      await this.stream.writeSSE(toSseMessage(e));
      this.lastSent = e.id;
    }
  }

  private async replay(): Promise<void> {
    const limit = this.opts.replayBatch ?? 500;
    const groupId = this.groupId ?? undefined;
    for (;;) {
      const page = await this.opts.feed.readAfter(this.lastSent, groupId ? { groupId, limit } : { limit });
      await this.send(page);
      if (page.length < limit || this.stopped) return;
    }
  }

  /**
   * An id beyond the journal's end (a client of a reset database, or a forged header) would
   * otherwise filter out every future event; such a client resumes from the end instead.
   */
  private async resumeFrom(after: number, liveEdge: number): Promise<number> {
    if (after <= liveEdge || !this.opts.feed.latestId) return after;
    return Math.min(after, await this.opts.feed.latestId());
  }

  /** Resolves when the client disconnected (or was cut off); never throws. */
  async run(liveEdge: number): Promise<void> {
    const keepAlive = setInterval(() => {
      void this.stream.write(': keep-alive\n\n');
    }, this.opts.keepAliveMs);
    try {
      this.lastSent = this.opts.after === null ? liveEdge : await this.resumeFrom(this.opts.after, liveEdge);
      // Flush the headers now so proxies and clients see the stream open before the first event.
      await this.stream.write(`retry: ${this.opts.retryMs}\n: connected\n\n`);
      if (this.opts.after !== null) await this.replay();
      while (!this.stopped) {
        if (this.queue.length === 0) {
          await new Promise<void>((resolve) => (this.notify = resolve));
          continue;
        }
        const batch = this.queue;
        this.queue = [];
        await this.send(batch);
      }
    } catch (err) {
      this.opts.log.warn({ err }, 'SSE stream ended by an error');
    } finally {
      clearInterval(keepAlive);
      this.opts.hub.detach(this);
    }
  }
}

/** Resolves the resume point: `Last-Event-ID` header first, then `?lastEventId=` for plain links. */
export function resumePoint(c: Context): number | null {
  const raw = c.req.header('last-event-id') ?? c.req.query('lastEventId');
  if (raw === undefined || raw === '') return null;
  if (!/^[0-9]{1,15}$/.test(raw)) {
    throw new ApiError(422, 'validation_failed', 'request does not match the schema', [
      { path: 'Last-Event-ID', message: 'must be a non-negative event id' },
    ]);
  }
  return Number(raw);
}

/**
 * Answers an SSE request: registers with the hub before any replay (so nothing falls between
 * replay and live), disables proxy buffering, and frees everything on disconnect.
 */
export async function serveEvents(
  c: Context<AppEnv>,
  opts: Omit<SessionOptions, 'after' | 'log'>,
): Promise<Response> {
  const after = resumePoint(c);
  c.header('X-Accel-Buffering', 'no');
  c.header('Cache-Control', 'no-cache');
  if (c.req.method === 'HEAD') {
    c.header('Content-Type', 'text/event-stream');
    return c.body(null, 200);
  }
  const log = c.var.log;
  try {
    await opts.hub.ready();
  } catch (err) {
    log.warn({ err }, 'event hub unavailable');
    throw new ApiError(503, 'unavailable', 'event stream temporarily unavailable');
  }
  return streamSSE(c, async (stream) => {
    const session = new SseSession(stream, { ...opts, after, log });
    stream.onAbort(() => session.stop());
    let liveEdge: number;
    try {
      liveEdge = await opts.hub.attach(session);
    } catch (err) {
      log.warn({ err }, 'event hub unavailable');
      return;
    }
    if (stream.aborted) {
      opts.hub.detach(session);
      return;
    }
    await session.run(liveEdge);
  });
}
