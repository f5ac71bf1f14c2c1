import type { EngineEvent } from '../engine/types.js';
import type { Logger } from '../log.js';
import type { EventFeed } from './deps.js';
import { toFrame, toPage, type FramePage } from './sse-frame.js';
import type { GroupOwners } from './sse-owners.js';

/** One connected stream as the hub sees it: an optional batch or tenant filter and a sink for new events. */
export interface HubSubscriber {
  readonly groupId: string | null;
  /** For a whole-journal stream: only this tenant's batches' events (null: every event). */
  readonly owner: string | null;
  /** New events, serialised once for every subscriber that receives them; never empty. */
  deliver(page: FramePage): void;
  /** Ends the client's stream (shutdown); it reconnects elsewhere with Last-Event-ID. */
  stop(): void;
}

export interface EventHubOptions {
  logger: Logger;
  /** Fallback poll while clients are connected, in case a NOTIFY was lost. Default 2000 ms. */
  pollMs?: number;
  /** Rows per read. Default 500. */
  batchSize?: number;
  /** Resolves batch owners for tenant-scoped subscribers; without it they receive nothing. */
  owners?: GroupOwners;
}

/**
 * The process's single reader of the event journal for live streams. It subscribes to engine
 * wake-ups once and, per wake, reads the new rows once and fans them out to every connected
 * client, so N clients cost one query per wake instead of N. Replays of missed events are the
 * session's business (they differ per client); the hub only moves the live edge.
 */
export class EventHub {
  private readonly subscribers = new Set<HubSubscriber>();
  private readonly pollMs: number;
  private readonly batchSize: number;
  private readonly log: Logger;
  private readonly owners: GroupOwners | null;
  private head = 0;
  private started: Promise<void> | null = null;
  private unsubscribe: (() => void | Promise<void>) | null = null;
  private draining = false;
  private again = false;
  private pollTimer: NodeJS.Timeout | null = null;
  private closed = false;

  constructor(
    private readonly feed: EventFeed,
    opts: EventHubOptions,
  ) {
    this.pollMs = opts.pollMs ?? 2000;
    this.batchSize = opts.batchSize ?? 500;
    this.log = opts.logger.child({ component: 'sse-hub' });
    this.owners = opts.owners ?? null;
  }

  /** Connected clients; tests use it to prove disconnected ones are freed. */
  get size(): number {
    return this.subscribers.size;
  }

  /** The highest event id fanned out so far. */
  get lastId(): number {
    return this.head;
  }

  /**
   * Registers a subscriber and returns the live edge at that moment: every event with a larger id
   * will be delivered to it (possibly also ones it replays itself; callers drop ids they sent).
   */
  async attach(sub: HubSubscriber): Promise<number> {
    await this.start();
    this.subscribers.add(sub);
    this.ensurePolling();
    return this.head;
  }

  detach(sub: HubSubscriber): void {
    this.subscribers.delete(sub);
    if (this.subscribers.size === 0 && this.pollTimer) {
      clearInterval(this.pollTimer);
      this.pollTimer = null;
    }
  }

  /** Starts listening (once); rejects while the journal cannot be read, so callers can answer 503. */
  ready(): Promise<void> {
    return this.start();
  }

  private start(): Promise<void> {
    this.started ??= (async () => {
      this.head = await this.findHead();
      const unsubscribe = await this.feed.subscribe(() => this.wake());
      if (this.closed) await unsubscribe();
      else this.unsubscribe = unsubscribe;
    })().catch((err: unknown) => {
      this.started = null;
      throw err;
    });
    return this.started;
  }

  /**
   * Live streams start at the end of the journal. The gap-aware reader walks the last stretch
   * (from a little before the newest id, or from the start without `latestId`), so an event
   * whose transaction is still open just below the tip is not skipped.
   */
  private async findHead(): Promise<number> {
    let head = this.feed.latestId ? Math.max(0, (await this.feed.latestId()) - 1000) : 0;
    for (;;) {
      const page = await this.feed.readAfter(head, { limit: 5000 });
      const last = page.at(-1);
      if (!last) return head;
      head = last.id;
      if (page.length < 5000) return head;
    }
  }

  private ensurePolling(): void {
    if (this.pollTimer || this.closed) return;
    this.pollTimer = setInterval(() => this.wake(), this.pollMs);
    this.pollTimer.unref();
  }

  /** Coalesces wake-ups: at most one read in flight, and one more queued if woken meanwhile. */
  wake(): void {
    if (this.closed || this.subscribers.size === 0) return;
    if (this.draining) {
      this.again = true;
      return;
    }
    this.draining = true;
    void this.drain().finally(() => {
      this.draining = false;
      if (this.again) {
        this.again = false;
        this.wake();
      }
    });
  }

  private async drain(): Promise<void> {
    try {
      for (;;) {
        const events = await this.feed.readAfter(this.head, { limit: this.batchSize });
        const last = events.at(-1);
        if (!last) return;
        // Owners first: if that lookup fails, the head stays put and the next wake reads these again.
        if (this.owners && [...this.subscribers].some((s) => s.groupId === null && s.owner !== null)) await this.owners.learn(events);
        this.head = last.id;
        this.fanOut(events);
        if (events.length < this.batchSize) return;
      }
    } catch (err) {
      this.log.warn({ err }, 'reading events failed; retrying on the next wake-up');
    }
  }

  /**
   * Each event is serialised once; subscribers to the whole journal all get the same page (one
   * socket write each), those following one batch share that batch's page, and those of one
   * tenant share that tenant's page.
   */
  private fanOut(events: EngineEvent[]): void {
    const frames = events.map(toFrame);
    const all = toPage(frames);
    const byOwner = new Map<string, FramePage | null>();
    const pageOf = (owner: string): FramePage | null => {
      let page = byOwner.get(owner);
      if (page === undefined) {
        const mine = this.owners ? this.owners.visibleTo(frames, owner) : [];
        page = mine.length === 0 ? null : toPage(mine);
        byOwner.set(owner, page);
      }
      return page;
    };
    const byGroup = new Map<string, FramePage | null>();
    const pageFor = (groupId: string): FramePage | null => {
      let page = byGroup.get(groupId);
      if (page === undefined) {
        const mine = frames.filter((f) => f.groupId === groupId);
        page = mine.length === 0 ? null : toPage(mine);
        byGroup.set(groupId, page);
      }
      return page;
    };
    for (const sub of this.subscribers) {
      const page = sub.groupId !== null ? pageFor(sub.groupId) : sub.owner === null ? all : pageOf(sub.owner);
      if (!page) continue;
      try {
        sub.deliver(page);
      } catch (err) {
        this.log.warn({ err }, 'subscriber failed; dropping it');
        this.detach(sub);
      }
    }
  }

  /** Stops listening and polling and ends every connected stream, so shutdown is not held open. */
  async close(): Promise<void> {
    this.closed = true;
    for (const sub of [...this.subscribers]) sub.stop();
    this.subscribers.clear();
    if (this.pollTimer) clearInterval(this.pollTimer);
    this.pollTimer = null;
    const unsubscribe = this.unsubscribe;
    this.unsubscribe = null;
    if (unsubscribe) await unsubscribe();
  }
}
