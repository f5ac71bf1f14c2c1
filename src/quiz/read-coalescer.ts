/**
 * Concurrent reads of one key share a round trip, without ever answering a read with a snapshot
 * older than the read itself.
 *
 * Per key, at most one read runs. A read that arrives while one runs does not join it (that one
 * may have taken its snapshot before the newcomer arrived, and so miss a write the newcomer's
 * client already saw commit); it waits for the next read of the key, which starts once the
 * running one settles, and every read arriving meanwhile shares that next one. So each caller
 * gets a result taken after it asked, and a key polled by N clients at once costs about one read
 * per read latency instead of N. Distinct keys never wait for each other.
 *
 * Callers share the resolved value (and a rejection): they must not mutate it.
 */
export class ReadCoalescer<T> {
  private readonly slots = new Map<string, { next: Promise<T> | null; running: Promise<T> }>();

  read(key: string, load: () => Promise<T>): Promise<T> {
    const slot = this.slots.get(key);
    if (!slot) return this.run(key, load);
    const ignore = (): void => undefined;
    slot.next ??= slot.running.then(ignore, ignore).then(() => this.run(key, load));
    return slot.next;
  }

  /** Keys with a read running or waiting to run. */
  get size(): number {
    return this.slots.size;
  }

  private run(key: string, load: () => Promise<T>): Promise<T> {
    const running = load();
    const slot: { next: Promise<T> | null; running: Promise<T> } = { next: null, running };
    this.slots.set(key, slot);
    // Without a waiting next read the key is free again; with one, that read takes the slot over.
    const settle = (): void => {
      if (this.slots.get(key) === slot && slot.next === null) this.slots.delete(key);
    };
    running.then(settle, settle);
    return running;
  }
}
