/** A frame of an SSE stream as the wire carries it, comments included (EventSource hides those). */
export interface Frame {
  id?: string;
  event?: string;
  data?: string;
  retry?: string;
  comments: string[];
}

/**
 * Reads an SSE response frame by frame over plain fetch, so tests can see comments and exact
 * framing; `next(pred, ms)` waits for the first frame matching `pred`.
 */
export class SseReader {
  readonly frames: Frame[] = [];
  private buffer = '';
  private waiters: Array<() => void> = [];
  private done = false;
  private reader: ReadableStreamDefaultReader<string> | null = null;

  constructor(
    readonly response: Response,
    private readonly abort: AbortController = new AbortController(),
  ) {
    void this.pump();
  }

  static async open(url: string, headers: Record<string, string>): Promise<SseReader> {
    const abort = new AbortController();
    const res = await fetch(url, { headers: { accept: 'text/event-stream', ...headers }, signal: abort.signal });
    return new SseReader(res, abort);
  }

  private async pump(): Promise<void> {
    const reader = this.response.body!.pipeThrough(new TextDecoderStream()).getReader();
    this.reader = reader;
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        this.buffer += value;
        let i: number;
        while ((i = this.buffer.indexOf('\n\n')) >= 0) {
          const block = this.buffer.slice(0, i);
          this.buffer = this.buffer.slice(i + 2);
          this.frames.push(parse(block));
          for (const w of this.waiters.splice(0)) w();
        }
      }
    } catch {
      // aborted
    } finally {
      this.done = true;
      for (const w of this.waiters.splice(0)) w();
    }
  }

  /** Events (frames with an id) received so far. */
  events(): Frame[] {
    return this.frames.filter((f) => f.id !== undefined);
  }

  async waitFor(pred: (frames: Frame[]) => boolean, ms = 5000): Promise<void> {
    const deadline = Date.now() + ms;
    while (!pred(this.frames)) {
      if (this.done) throw new Error('stream ended before the expected frames arrived');
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out; frames: ${JSON.stringify(this.frames)}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  /** Disconnects: aborts the fetch, or cancels the body of an `app.request()` response. */
  close(): void {
    this.abort.abort();
    void this.reader?.cancel().catch(() => undefined);
  }
}

function parse(block: string): Frame {
  const frame: Frame = { comments: [] };
  for (const line of block.split('\n')) {
    if (line.startsWith(':')) {
      frame.comments.push(line.slice(1).trim());
      continue;
    }
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
    if (field === 'data') frame.data = frame.data === undefined ? value : `${frame.data}\n${value}`;
    else if (field === 'id' || field === 'event' || field === 'retry') frame[field] = value;
  }
  return frame;
}
