import type { Database } from '../db/client.js';
import { completeJobIds, confirmCompleted, type Completion } from '../db/jobs/index.js';
import { describeDbError, isTransientDbError } from './db-errors.js';
import type { EngineLogger } from './types.js';

interface Pending extends Completion {
  resolve: (applied: boolean) => void;
  reject: (err: unknown) => void;
}

/**
 * Batches completions of jobs without effects or hooks: each `add` waits at most `flushMs` (or
 * until `batch` are pending) and shares one fenced statement with the others; each row is still
 * fenced on its own lease. One flush is in flight at a time; completions arriving meanwhile form
 * the next batch, so throughput rises with load while an idle worker adds only `flushMs`.
 */
export class Completer {
  private pending: Pending[] = [];
  private timer: NodeJS.Timeout | null = null;
  private flushing: Promise<void> | null = null;

  constructor(
    private readonly database: Database,
    private readonly opts: {
      batch: number;
      flushMs: number;
      log: EngineLogger;
      /** After every flush, with how many completions applied (0 when it failed): the worker's cue to claim again. */
      onFlushed?: (applied: number) => void;
    },
  ) {}

  /** Number of completions not yet written. */
  get size(): number {
    return this.pending.length;
  }

  /** Resolves to whether this job's fenced completion applied. */
  add(c: Completion): Promise<boolean> {
    return new Promise<boolean>((resolve, reject) => {
      this.pending.push({ id: c.id, leaseToken: c.leaseToken, result: c.result, resolve, reject });
      if (this.pending.length >= this.opts.batch) this.kick(0);
      else this.kick(this.opts.flushMs);
    });
  }

  /** Writes everything pending now and waits for it (used by worker.stop). */
  async drain(): Promise<void> {
    while (this.pending.length > 0 || this.flushing) {
      if (this.flushing) await this.flushing;
      else await this.flush();
    }
  }

  private kick(delayMs: number): void {
    if (this.flushing) return; // the running flush picks the rest up when it ends
    if (delayMs === 0) {
      if (this.timer) clearTimeout(this.timer);
      this.timer = null;
      void this.flush();
      return;
    }
    if (!this.timer) this.timer = setTimeout(() => void this.flush(), delayMs);
  }

  private flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.flushing || this.pending.length === 0) return this.flushing ?? Promise.resolve();
    const batch = this.pending.splice(0, this.opts.batch);
    this.flushing = this.write(batch).then((applied) => {
      this.flushing = null;
      if (this.pending.length > 0) this.kick(0);
      this.opts.onFlushed?.(applied);
    });
    return this.flushing;
  }

  /** Writes one batch (retrying transient errors); resolves to how many applied, never rejects. */
  private async write(batch: Pending[]): Promise<number> {
    for (let attempt = 1; ; attempt++) {
      try {
        // After an error the previous statement may have committed: those rows are confirmed by
        // their winning lease token rather than reported as lost.
        const confirmed = attempt > 1 ? await confirmCompleted(this.database.db, batch) : new Set<number>();
        const todo = batch.filter((b) => !confirmed.has(b.id));
        const applied = await completeJobIds(this.database.db, todo);
        for (const b of batch) b.resolve(confirmed.has(b.id) || applied.has(b.id));
        return confirmed.size + applied.size;
      } catch (err) {
        if (!isTransientDbError(err) || attempt >= 8) {
          for (const b of batch) b.reject(err);
          return 0;
        }
        this.opts.log.warn({ err: describeDbError(err), attempt, size: batch.length }, 'batch completion failed transiently; retrying');
        await new Promise((r) => setTimeout(r, Math.min(2_000, 50 * 2 ** (attempt - 1))));
      }
    }
  }
}
