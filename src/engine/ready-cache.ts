import { BinaryHeap, runsBefore } from './heap.js';
import { parseWake, type Candidate } from './wake.js';

const MAX_TIMER_MS = 2 ** 31 - 1;
export const DEFAULT_READY_CACHE_MAX = 10_000;

/**
 * A worker's picture of runnable work: a cache of the database, never the truth.
 *
 * `ready` is a binary heap, ordered by (priority, run_at, id), of unclaimed due jobs the worker
 * has heard of (NOTIFY payloads itemise up to 20 jobs); `delayed` holds jobs not yet due and
 * drives one timer for the earliest. `unknown` means "there may be work the heap does not
 * itemise" (a bulk wake-up, a poll, a full claim). The claim statement is the lock: when it
 * returns fewer rows than the cache promised, the cache was stale and is dropped.
 */
export class ReadyCache {
  private readonly ready = new BinaryHeap<Candidate>(runsBefore);
  private readonly delayed = new BinaryHeap<Candidate>((a, b) => a.runAt < b.runAt || (a.runAt === b.runAt && a.id < b.id));
  private unknown = false;
  /** Bumped by every piece of news; a claim that started before the news cannot refute it. */
  private epoch = 0;
  private timer: { at: number; handle: NodeJS.Timeout } | null = null;
  private closed = false;

  constructor(
    private readonly queues: readonly string[],
    /** Called when delayed work becomes due. */
    private readonly onDue: () => void,
    /** Most candidates kept (ready plus delayed). */
    private readonly max = DEFAULT_READY_CACHE_MAX,
  ) {}

  /** Candidates held, ready and delayed. */
  get size(): number {
    return this.ready.size + this.delayed.size;
  }

  /** Takes a `quizforge_jobs` payload into account; false when it concerns other queues. */
  noteWake(payload: string): boolean {
    const wake = parseWake(payload, this.queues);
    if (!wake) return false;
    this.epoch++;
    const now = Date.now();
    for (const c of wake.items) this.add(c, now);
    if (wake.untracked) {
      if (wake.earliest <= now) this.unknown = true;
      else this.armTimer(wake.earliest);
    }
    this.promoteDue();
    return true;
  }

  /**
   * Every worker hears of every job a NOTIFY lists but pops only what it claimed itself, so with
   * several workers the cache fills with jobs others took. At `max` it stops itemising: the ready
   * entries (likely stale) are dropped for "unknown", which makes the next claim ask for every free
   * place and lets the claim statement decide; a delayed job that does not fit keeps only its
   * wake-up time (the timer keeps the earliest; the poll finds the rest).
   */
  private add(c: Candidate, now: number): void {
    if (c.runAt <= now) {
      if (this.size >= this.max) {
        this.ready.clear();
        this.unknown = true;
        if (this.size >= this.max) return;
      }
      this.ready.push(c);
    } else if (this.size < this.max) {
      this.delayed.push(c);
    } else {
      this.armTimer(c.runAt);
    }
  }

  /** There may be work nobody told us about (polling fallback, timer). */
  markUnknown(): void {
    this.epoch++;
    this.unknown = true;
  }

  /** The earliest delayed job the database knows of. */
  noteNextRunAt(at: number): void {
    this.armTimer(at);
  }

  /** How many jobs to ask the claim statement for, given `free` places (0: no evidence of work). */
  want(free: number): number {
    this.promoteDue();
    if (free <= 0) return 0;
    if (this.unknown) return free;
    return Math.min(free, this.ready.size);
  }

  /** Call when a claim statement is sent; pass the result to afterClaim. */
  beginClaim(): number {
    return this.epoch;
  }

  /**
   * Learns from a claim that asked for `asked` jobs and got `got`. Only an empty claim proves the
   * cache stale: a short one may have skipped rows another worker was locking at that instant
   * (SKIP LOCKED), so the worker claims again. And even an empty claim refutes nothing if news
   * arrived while it ran (a job enqueued meanwhile may have committed after its snapshot).
   */
  afterClaim(asked: number, got: number, epochAtStart: number): void {
    // If the cache was fresh, the claimed rows are exactly its top entries.
    for (let i = 0; i < got && this.ready.size > 0; i++) this.ready.pop();
    if (got === 0 && asked > 0 && this.epoch === epochAtStart) {
      this.ready.clear();
      this.unknown = false;
    } else {
      this.unknown = true;
    }
  }

  /** Whether another claim could find something right now. */
  get hasWork(): boolean {
    return this.unknown || this.ready.size > 0;
  }

  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer.handle);
    this.timer = null;
  }

  private promoteDue(now = Date.now()): void {
    while (this.delayed.size > 0 && (this.delayed.peek() as Candidate).runAt <= now) {
      this.ready.push(this.delayed.pop() as Candidate);
    }
    const next = this.delayed.peek();
    if (next) this.armTimer(next.runAt);
  }

  private armTimer(at: number): void {
    if (this.closed) return;
    if (this.timer && this.timer.at <= at) return;
    if (this.timer) clearTimeout(this.timer.handle);
    // setTimeout takes at most 2^31-1 ms (24.8 days); a longer delay would fire at once. A job
    // that far out gets an intermediate timer that only re-arms.
    const delay = Math.max(0, at - Date.now());
    const clamped = delay > MAX_TIMER_MS;
    const handle = setTimeout(
      () => {
        this.timer = null;
        if (clamped) return this.armTimer(at);
        this.unknown = true;
        // The timer is due at `at`; Date.now() can still read a millisecond earlier when it
        // fires, and the job would stay delayed behind a second timer and a second wake-up.
        this.promoteDue(Math.max(Date.now(), at));
        this.onDue();
      },
      clamped ? MAX_TIMER_MS : delay,
    );
    this.timer = { at, handle };
  }
}
