import type { Database } from '../db/client.js';
import { notifyEvents } from '../db/jobs/index.js';
import type { EngineLogger } from './types.js';

/**
 * Sends the `quizforge_events` wake-up after the engine's own commits. Pokes are coalesced: at
 * most one NOTIFY is in flight, at most one per `minIntervalMs`, and pokes that arrive meanwhile
 * cause exactly one more. So readers hear of new events within a few milliseconds, and a busy
 * worker sends tens of NOTIFYs a second, not one per statement. A wake-up is a hint (readers
 * then read events by id), so failures are logged and dropped.
 */
export class EventNotifier {
  private inFlight = false;
  private again = false;
  private closed = false;
  private lastSent = 0;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly database: Database,
    private readonly log: EngineLogger,
    private readonly minIntervalMs = 20,
  ) {}

  /** Call after a commit that wrote events. */
  poke(): void {
    if (this.closed || this.timer) return;
    if (this.inFlight) {
      this.again = true;
      return;
    }
    const wait = this.lastSent + this.minIntervalMs - Date.now();
    if (wait > 0) {
      this.timer = setTimeout(() => {
        this.timer = null;
        this.poke();
      }, wait);
      return;
    }
    this.inFlight = true;
    this.lastSent = Date.now();
    void notifyEvents(this.database.db, { ownTransaction: true })
      .catch((err: unknown) => this.log.debug({ err }, 'events NOTIFY failed (readers will poll)'))
      .finally(() => {
        this.inFlight = false;
        if (this.again) {
          this.again = false;
          this.poke();
        }
      });
  }

  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }
}
