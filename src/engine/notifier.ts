import type { Database } from '../db/client.js';
import { notifyEvents } from '../db/jobs/index.js';
import type { EngineLogger } from './types.js';

/**
 * Sends the `quizforge_events` wake-up after the engine's own commits. Pokes are coalesced: at
 * most one NOTIFY is in flight, and pokes that arrive meanwhile cause exactly one more. A wake-up
 * is a hint (readers then read events by id), so failures are logged and dropped.
 */
export class EventNotifier {
  private inFlight = false;
  private again = false;
  private closed = false;

  constructor(
    private readonly database: Database,
    private readonly log: EngineLogger,
  ) {}

  /** Call after a commit that wrote events. */
  poke(): void {
    if (this.closed) return;
    if (this.inFlight) {
      this.again = true;
      return;
    }
    this.inFlight = true;
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
  }
}
