import { describe, expect, it } from 'vitest';
import { ReadCoalescer } from '../../src/quiz/read-coalescer.js';

/** A load the test resolves by hand, counting how many were started. */
function loads() {
  const started: Array<{ key: string; resolve: (v: string) => void; reject: (e: Error) => void }> = [];
  const load = (key: string) => () =>
    new Promise<string>((resolve, reject) => {
      started.push({ key, resolve, reject });
    });
  return { started, load };
}

const tick = () => new Promise((r) => setImmediate(r));

describe('ReadCoalescer', () => {
  it('runs a lone read at once and frees its key when it settles', async () => {
    const c = new ReadCoalescer<string>();
    const { started, load } = loads();
    const a = c.read('k', load('k'));
    expect(started).toHaveLength(1);
    started[0]?.resolve('v1');
    await expect(a).resolves.toBe('v1');
    await tick();
    expect(c.size).toBe(0);
  });

  it('never hands a newcomer the read already running: it shares the next one with the others that arrived meanwhile', async () => {
    const c = new ReadCoalescer<string>();
    const { started, load } = loads();
    const first = c.read('k', load('k'));
    const waiting = [c.read('k', load('k')), c.read('k', load('k')), c.read('k', load('k'))];
    expect(started).toHaveLength(1);
    started[0]?.resolve('before');
    await expect(first).resolves.toBe('before');
    await tick();
    // The three waiting reads started one read, after the first settled.
    expect(started).toHaveLength(2);
    // One arriving now (the second read is running) waits for a third.
    const late = c.read('k', load('k'));
    started[1]?.resolve('after');
    expect(await Promise.all(waiting)).toEqual(['after', 'after', 'after']);
    await tick();
    expect(started).toHaveLength(3);
    started[2]?.resolve('latest');
    await expect(late).resolves.toBe('latest');
    await tick();
    expect(c.size).toBe(0);
  });

  it('keeps keys apart and passes a failure to exactly the reads that shared it', async () => {
    const c = new ReadCoalescer<string>();
    const { started, load } = loads();
    const a = c.read('a', load('a'));
    const b = c.read('b', load('b'));
    expect(started.map((s) => s.key)).toEqual(['a', 'b']);
    const a2 = c.read('a', load('a'));
    started[0]?.reject(new Error('database down'));
    await expect(a).rejects.toThrow('database down');
    await tick();
    // The waiting read ran on its own after the failure, and succeeds.
    expect(started).toHaveLength(3);
    started[2]?.resolve('a ok');
    started[1]?.resolve('b ok');
    await expect(a2).resolves.toBe('a ok');
    await expect(b).resolves.toBe('b ok');
  });
});
