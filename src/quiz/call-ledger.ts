/**
 * The model calls one handler run recorded: the outcome writes it left in flight, and the usage
 * they add up to. A model-bound job's place is held from its first call to its handler's return,
 * and every round trip in that span is time the model could have been answering
 * (`npm run bench:pipeline`): an outcome write therefore runs beside the next step instead of
 * before it, the engine completes the job only once every write has landed
 * (`HandlerSuccess.pending`), and a first run knows its usage without reading it back.
 */
import type { UsageTotals } from '../db/quiz/index.js';
import { sumUsage, type CallUsage } from './usage-sum.js';

export class CallLedger {
  private readonly writes: Promise<void>[] = [];
  private failure: { err: unknown } | null = null;
  private calls = 0;
  private readonly outcomes: CallUsage[] = [];

  /** A call was recorded as started (a model_calls row now exists). */
  started(): void {
    this.calls += 1;
  }

  /** A call's outcome is being written: its tokens and cost count from now. */
  finished(outcome: CallUsage): void {
    this.outcomes.push(outcome);
  }

  /** Lets `write` run without waiting for it; its failure is kept for `settled()` (never unhandled). */
  defer(write: Promise<void>): void {
    this.writes.push(
      write.catch((err: unknown) => {
        this.failure ??= { err };
      }),
    );
  }

  /** Resolves once every deferred write has landed; rejects with the first that failed. */
  async settled(): Promise<void> {
    await Promise.all(this.writes);
    if (this.failure) throw this.failure.err;
  }

  /** What this run's calls add up to: the job's usage when the run is its first (nothing recorded before). */
  get usage(): UsageTotals {
    return sumUsage(this.outcomes, this.calls);
  }
}
