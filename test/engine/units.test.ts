import { describe, expect, it, vi } from 'vitest';
import { backoffCeiling, decideFailure, fullJitterDelay } from '../../src/engine/backoff.js';
import { isTransientDbError } from '../../src/engine/db-errors.js';
import { CycleError, PermanentError, RetryAfterError, UnknownDependencyError } from '../../src/engine/errors.js';
import { planGraph } from '../../src/engine/graph.js';
import { BinaryHeap, runsBefore } from '../../src/engine/heap.js';
import { ReadyCache } from '../../src/engine/ready-cache.js';
import { parseWake } from '../../src/engine/wake.js';

describe('binary heap', () => {
  it('pops in (priority, run_at, id) order whatever the insertion order', () => {
    const heap = new BinaryHeap(runsBefore);
    const items = Array.from({ length: 500 }, (_, i) => ({
      id: i + 1,
      priority: Math.floor(Math.random() * 5),
      runAt: 1_000 + Math.floor(Math.random() * 10),
    }));
    for (const it of [...items].sort(() => Math.random() - 0.5)) heap.push(it);
    const out: typeof items = [];
    while (heap.size > 0) out.push(heap.pop() as (typeof items)[number]);
    const expected = [...items].sort((a, b) => a.priority - b.priority || a.runAt - b.runAt || a.id - b.id);
    expect(out).toEqual(expected);
    expect(heap.pop()).toBeUndefined();
  });

  it('removeWhere keeps the heap ordered', () => {
    const heap = new BinaryHeap<number>((a, b) => a < b);
    for (const n of [9, 3, 7, 1, 8, 2]) heap.push(n);
    expect(heap.removeWhere((n) => n % 2 === 1)).toBe(4);
    expect([heap.pop(), heap.pop(), heap.pop()]).toEqual([2, 8, undefined]);
  });
});

describe('backoff (full jitter)', () => {
  it('ceiling is min(cap, base * 2^(attempt-1))', () => {
    expect([1, 2, 3, 4, 5, 6, 20].map((a) => backoffCeiling(a, 100, 1_000))).toEqual([100, 200, 400, 800, 1_000, 1_000, 1_000]);
  });

  it('delays are uniform over [0, ceiling]', () => {
    expect(fullJitterDelay(3, 100, 1_000, () => 0)).toBe(0);
    expect(fullJitterDelay(3, 100, 1_000, () => 0.999_999_9)).toBe(400);
    for (const attempt of [1, 2, 3, 4, 8]) {
      const ceiling = backoffCeiling(attempt, 100, 1_000);
      const samples = Array.from({ length: 20_000 }, () => fullJitterDelay(attempt, 100, 1_000));
      expect(Math.min(...samples)).toBeGreaterThanOrEqual(0);
      expect(Math.max(...samples)).toBeLessThanOrEqual(ceiling);
      const mean = samples.reduce((s, x) => s + x, 0) / samples.length;
      expect(Math.abs(mean - ceiling / 2)).toBeLessThan(ceiling * 0.03);
      // both halves of the range are hit: jitter, not a fixed delay
      expect(samples.filter((s) => s < ceiling / 2).length / samples.length).toBeGreaterThan(0.45);
    }
  });

  it('decides dead vs retry in one place', () => {
    const policy = { baseMs: 100, capMs: 1_000, random: () => 0.5 };
    expect(decideFailure({ attempt: 1, maxAttempts: 3 }, new Error('x'), policy)).toMatchObject({ kind: 'retry', delayMs: 50 });
    expect(decideFailure({ attempt: 3, maxAttempts: 3 }, new Error('x'), policy)).toMatchObject({ kind: 'dead', reason: 'exhausted' });
    expect(decideFailure({ attempt: 1, maxAttempts: 3 }, new PermanentError('bad_input', 'no'), policy)).toMatchObject({
      kind: 'dead',
      reason: 'bad_input',
      error: { name: 'PermanentError', message: 'no' },
    });
    expect(decideFailure({ attempt: 1, maxAttempts: 3 }, new RetryAfterError(1_234, 'slow down'), policy)).toMatchObject({
      kind: 'retry',
      delayMs: 1_234,
    });
    expect(decideFailure({ attempt: 3, maxAttempts: 3 }, new RetryAfterError(1_234, 'slow down'), policy)).toMatchObject({
      kind: 'dead',
      reason: 'exhausted',
    });
    expect(decideFailure({ attempt: 1, maxAttempts: 3 }, 'a string', policy)).toMatchObject({ error: { message: 'a string' } });
  });
});

describe('graph planning', () => {
  const node = (ref: string, dependsOn: Array<string | { jobId: number }> = []) => ({ ref, queue: 'g', payload: {}, dependsOn });

  it('orders parents before children', () => {
    const plan = planGraph([node('d', ['b', 'c']), node('b', ['a']), node('c', ['a', { jobId: 7 }]), node('a')]);
    const pos = new Map(plan.order.map((n, i) => [n.ref, i]));
    expect((pos.get('a') ?? 9) < (pos.get('b') ?? -1)).toBe(true);
    expect((pos.get('b') ?? 9) < (pos.get('d') ?? -1)).toBe(true);
    expect((pos.get('c') ?? 9) < (pos.get('d') ?? -1)).toBe(true);
    expect(plan.existingIds).toEqual([7]);
  });

  it('names the cycle', () => {
    const err = (() => {
      try {
        planGraph([node('a', ['b']), node('b', ['c']), node('c', ['a']), node('x')]);
      } catch (e) {
        return e;
      }
      return null;
    })();
    expect(err).toBeInstanceOf(CycleError);
    expect((err as CycleError).cycle).toEqual(['a', 'b', 'c', 'a']);
    expect((err as CycleError).message).toBe('dependency cycle: a -> b -> c -> a');
    expect(() => planGraph([node('self', ['self'])])).toThrow('dependency cycle: self -> self');
  });

  it('rejects unknown refs and duplicate refs', () => {
    expect(() => planGraph([node('a', ['nope'])])).toThrow(UnknownDependencyError);
    expect(() => planGraph([node('a'), node('a')])).toThrow(/duplicate ref a/);
  });
});

describe('wake-up payloads', () => {
  it('keeps only jobs of the worker queues', () => {
    const payload = JSON.stringify({ n: 2, q: ['a', 'b'], at: 5, j: [[1, 0, 5, 'a'], [2, 1, 6, 'b']] });
    expect(parseWake(payload, ['a'])).toEqual({ items: [{ id: 1, priority: 0, runAt: 5 }], untracked: false, earliest: 5 });
    expect(parseWake(payload, ['c'])).toBeNull();
    expect(parseWake('not json', ['a'])).toBeNull();
    expect(parseWake(JSON.stringify({ n: 500, q: ['a'], at: 9, j: null }), ['a'])).toMatchObject({ items: [], untracked: true });
  });
});

describe('transient database errors', () => {
  it('recognises retryable SQLSTATEs and lost connections through wrappers', () => {
    const pgErr = (code: string) => Object.assign(new Error('x'), { code });
    for (const code of ['40001', '40P01', '57P01', '57P03', '08006', '08003', 'ECONNRESET']) {
      expect(isTransientDbError(new Error('Failed query', { cause: pgErr(code) })), code).toBe(true);
    }
    expect(isTransientDbError(new Error('Connection terminated unexpectedly'))).toBe(true);
    expect(isTransientDbError(pgErr('23505'))).toBe(false);
    expect(isTransientDbError(pgErr('42601'))).toBe(false);
    expect(isTransientDbError('nope')).toBe(false);
  });
});

describe('ready cache (the worker heap)', () => {
  const wake = (jobs: Array<[number, number, number]>, queue = 'a') =>
    JSON.stringify({ n: jobs.length, q: [queue], at: Math.min(...jobs.map((j) => j[2])), j: jobs.map((j) => [...j, queue]) });

  it('asks for as many jobs as it has heard of, and drops itself when a claim comes back empty', () => {
    const cache = new ReadyCache(['a'], () => undefined);
    expect(cache.want(10)).toBe(0);
    expect(cache.noteWake(wake([[1, 0, 0], [2, 0, 0], [3, 0, 0]]))).toBe(true);
    expect(cache.noteWake(wake([[4, 0, 0]], 'other'))).toBe(false);
    expect(cache.want(10)).toBe(3);
    expect(cache.want(2)).toBe(2);
    cache.afterClaim(3, 1, cache.beginClaim()); // short: others may hold the rest right now
    expect(cache.hasWork).toBe(true);
    cache.afterClaim(3, 0, cache.beginClaim()); // empty, no news meanwhile: the cache was stale
    expect(cache.hasWork).toBe(false);
    cache.markUnknown();
    expect(cache.want(10)).toBe(10);
    cache.afterClaim(10, 10, cache.beginClaim()); // a full claim: there may be more
    expect(cache.hasWork).toBe(true);
    cache.close();
  });

  it('a claim that comes back empty does not refute a wake-up that arrived while it ran', () => {
    const cache = new ReadyCache(['a'], () => undefined);
    const epoch = cache.beginClaim();
    cache.noteWake(wake([[7, 0, 0]])); // the job commits after the claim's snapshot
    cache.afterClaim(5, 0, epoch);
    expect(cache.hasWork).toBe(true);
    expect(cache.want(5)).toBeGreaterThan(0);
    cache.close();
  });

  it('a timer that fires while the wall clock still reads a little early wakes the worker once, with the job ready', async () => {
    // Timers run on a monotonic clock; Date.now() can lag it by a millisecond or two. This failed
    // once in CI: the job stayed delayed, a second timer was armed and the worker woke twice.
    const realNow = Date.now.bind(Date);
    let due = 0;
    const cache = new ReadyCache(['a'], () => due++);
    cache.noteWake(wake([[1, 0, realNow() + 30]])); // timer armed on the true clock
    const lagging = vi.spyOn(Date, 'now').mockImplementation(() => realNow() - 5); // then it lags
    try {
      await new Promise((r) => setTimeout(r, 50));
      expect(due).toBe(1);
      expect(cache.want(5)).toBeGreaterThanOrEqual(1);
    } finally {
      lagging.mockRestore();
      cache.close();
    }
  });

  it('a job due beyond setTimeout\'s 24.8-day range stays delayed (no overflow to an immediate wake)', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    try {
      let due = 0;
      const cache = new ReadyCache(['a'], () => due++);
      const at = Date.now() + 40 * 24 * 3_600_000;
      cache.noteWake(wake([[1, 0, at]]));
      await vi.advanceTimersByTimeAsync(10);
      expect(due).toBe(0);
      expect(cache.want(5)).toBe(0);
      await vi.advanceTimersByTimeAsync(30 * 24 * 3_600_000);
      expect(cache.want(5)).toBe(0);
      await vi.advanceTimersByTimeAsync(10 * 24 * 3_600_000 + 10);
      expect(due).toBe(1);
      expect(cache.want(5)).toBeGreaterThanOrEqual(1);
      cache.close();
    } finally {
      vi.useRealTimers();
    }
  });

  it('wakes the worker when a delayed job becomes due', async () => {
    let due = 0;
    const cache = new ReadyCache(['a'], () => due++);
    const at = Date.now() + 80;
    cache.noteWake(wake([[1, 0, at]]));
    expect(cache.want(5)).toBe(0);
    await new Promise((r) => setTimeout(r, 150));
    expect(due).toBe(1);
    expect(cache.want(5)).toBeGreaterThanOrEqual(1);
    cache.close();
  });
});
