import type { Context } from 'hono';
import type { EngineEvent } from '../engine/types.js';
import type { Logger } from '../log.js';
import type { EventFeed } from './deps.js';
import type { AppEnv } from './env.js';
import { ApiError } from './errors.js';
import type { EventHub, HubSubscriber } from './sse-hub.js';
import type { GroupOwners } from './sse-owners.js';
import { toFrame, toPage, type FramePage } from './sse-frame.js';
import { openSink, type SseSink } from './sse-sink.js';

export { toSseMessage } from './sse-frame.js';

export interface SessionOptions {
  feed: EventFeed;
  hub: EventHub;
  log: Logger;
  groupId: string | null;
  /** A whole-journal stream of one tenant: only its batches' events (null: all events). */
  owner: string | null;
  /** Needed when `owner` is set: resolves each event's batch owner. */
  owners?: GroupOwners;
  /** Last-Event-ID of a reconnecting client; null to start live. */
  after: number | null;
  keepAliveMs: number;
  /** Reconnect delay announced to the client. */
  retryMs: number;
  /** Live events queued while replaying beyond which a client is cut off (it reconnects and replays). */
  maxQueue?: number;
  /**
   * Bytes a client may leave unread (beyond what the kernel holds) before it is disconnected: a
   * slow reader costs at most this much memory and never delays the others. Default 512 KiB.
   */
  maxBufferedBytes?: number;
  replayBatch?: number;
}

const KEEP_ALIVE = Buffer.from(': keep-alive\n\n');

/**
 * One client's stream: replay what it missed from the journal, then follow the hub's live edge.
 * Live pages arrive already serialised; a page the client takes whole is one socket write.
 */
class SseSession implements HubSubscriber {
  readonly groupId: string | null;
  readonly owner: string | null;
  private lastSent = 0;
  /** Live pages held back while the replay runs; null once live. */
  private pending: FramePage[] | null = [];
  private pendingFrames = 0;
  private stopped = false;
  private readonly maxBuffered: number;

  constructor(
    private readonly sink: SseSink,
    private readonly opts: SessionOptions,
  ) {
    this.groupId = opts.groupId;
    this.owner = opts.groupId === null ? opts.owner : null;
    this.maxBuffered = opts.maxBufferedBytes ?? 512 * 1024;
  }

  deliver(page: FramePage): void {
    if (this.stopped) return;
    if (this.pending) {
      this.pending.push(page);
      this.pendingFrames += page.frames.length;
      if (this.pendingFrames > (this.opts.maxQueue ?? 10_000)) this.cut({ queued: this.pendingFrames });
      return;
    }
    this.write(page);
  }

  stop(): void {
    this.stopped = true;
    this.sink.end();
  }

  /** A client that does not keep up is dropped, not buffered for: it reconnects and replays. */
  private cut(detail: Record<string, number>): void {
    if (this.stopped) return;
    this.opts.log.warn(detail, 'SSE client too slow; disconnecting so it replays on reconnect');
    this.stopped = true;
    this.sink.destroy();
  }

  /**
   * Bytes still unread from earlier pages mean the client is behind; a page is one hub read
   * (at most `batchSize` events), so the buffer stays under the limit plus one page.
   */
  private write(page: FramePage): void {
    if (page.lastId <= this.lastSent) return;
    const behind = this.sink.buffered();
    if (behind > this.maxBuffered) return this.cut({ buffered: behind });
    if (page.firstId > this.lastSent) this.sink.writePage(page);
    else for (const f of page.frames) if (f.id > this.lastSent) this.sink.write(f.bytes);
    this.lastSent = page.lastId;
  }

  private async replay(): Promise<void> {
    const limit = this.opts.replayBatch ?? 500;
    const groupId = this.groupId ?? undefined;
    // Its own cursor: a tenant's stream may skip whole pages of other tenants' events.
    let cursor = this.lastSent;
    for (;;) {
      const rows = await this.opts.feed.readAfter(cursor, groupId ? { groupId, limit } : { limit });
      if (this.stopped) return;
      cursor = rows.at(-1)?.id ?? cursor;
      const visible = await this.visible(rows);
      if (this.stopped) return;
      if (visible.length > 0) this.write(toPage(visible.map(toFrame)));
      if (rows.length < limit) return;
      // A replay goes at the client's pace, never faster than it reads.
      await this.sink.drain();
    }
  }

  private async visible(rows: EngineEvent[]): Promise<EngineEvent[]> {
    if (this.owner === null) return rows;
    if (!this.opts.owners) return [];
    await this.opts.owners.learn(rows);
    return this.opts.owners.visibleTo(rows, this.owner);
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
    const keepAlive = setInterval(() => this.sink.write(KEEP_ALIVE), this.opts.keepAliveMs);
    try {
      this.lastSent = this.opts.after === null ? liveEdge : await this.resumeFrom(this.opts.after, liveEdge);
      this.sink.write(`retry: ${this.opts.retryMs}\n: connected\n\n`);
      if (this.opts.after !== null) await this.replay();
      // Synchronously from the end of the replay to live: nothing can slip between the two.
      const held = this.pending ?? [];
      this.pending = null;
      for (const page of held) if (!this.stopped) this.write(page);
      await this.sink.closed;
    } catch (err) {
      this.opts.log.warn({ err }, 'SSE stream ended by an error');
      this.sink.end();
    } finally {
      clearInterval(keepAlive);
      this.stopped = true;
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
  const sink = openSink(c);
  const session = new SseSession(sink, { ...opts, after, log });
  void (async () => {
    let liveEdge: number;
    try {
      liveEdge = await opts.hub.attach(session);
    } catch (err) {
      log.warn({ err }, 'event hub unavailable');
      sink.end();
      return;
    }
    await session.run(liveEdge);
  })();
  return sink.response;
}
