import type { ServerResponse } from 'node:http';
import type { Context } from 'hono';
import { RESPONSE_ALREADY_SENT } from '@hono/node-server/utils/response';
import type { AppEnv } from './env.js';
import { asChunk, type FramePage } from './sse-frame.js';

/**
 * Where a stream's bytes go. On Node it is the socket itself (no Web Streams, no per-write
 * promise); `buffered()` is what the kernel has not taken yet, so a client that stops reading
 * shows up there and can be cut off before it costs memory.
 */
export interface SseSink {
  write(chunk: Buffer | string): void;
  /** Writes a whole page: on Node its pre-framed chunk goes to the socket as is. */
  writePage(page: FramePage): void;
  /** Bytes accepted but not yet handed to the socket. */
  buffered(): number;
  /** Ends the stream; the client reconnects with Last-Event-ID. */
  end(): void;
  /** Drops the connection at once (a too-slow client: its buffered bytes are discarded). */
  destroy(): void;
  /** Resolves once the buffered bytes went out (or the stream closed). */
  drain(): Promise<void>;
  readonly closed: Promise<void>;
  /** The value the route handler returns. */
  readonly response: Response;
}

function nodeResponse(c: Context<AppEnv>): ServerResponse | null {
  const env = c.env as { outgoing?: unknown } | undefined;
  const out = env?.outgoing;
  return out && typeof (out as ServerResponse).writeHead === 'function' ? (out as ServerResponse) : null;
}

/**
 * The stream's headers. `c.res` is deliberately not read: touching it makes hono wrap the
 * returned RESPONSE_ALREADY_SENT in a new Response, which @hono/node-server then writes over the
 * stream already started (ERR_HTTP_HEADERS_SENT). The request id is the one middleware header.
 */
function streamHeaders(c: Context<AppEnv>): Record<string, string> {
  const id = c.var.requestId;
  return {
    ...(id ? { 'x-request-id': id } : {}),
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache',
    'x-accel-buffering': 'no',
    'x-content-type-options': 'nosniff',
  };
}

/** Opens the stream on the Node socket when served by @hono/node-server, else on a ReadableStream. */
export function openSink(c: Context<AppEnv>): SseSink {
  const res = nodeResponse(c);
  return res ? nodeSink(res, streamHeaders(c)) : webSink(streamHeaders(c));
}

/**
 * Headers go out through Node's ServerResponse; the body goes straight to the socket as HTTP/1.1
 * chunks (each page framed once, shared by all clients), so a write is one socket call with no
 * per-client encoding. `res.end()` still writes the terminating chunk. For a client that did not
 * get chunked encoding (HTTP/1.0) writes go through the response as usual.
 */
function nodeSink(res: ServerResponse, headers: Record<string, string>): SseSink {
  res.writeHead(200, headers);
  res.flushHeaders();
  const socket = res.socket;
  const raw = socket !== null && (res as ServerResponse & { chunkedEncoding?: boolean }).chunkedEncoding === true;
  const closed = new Promise<void>((resolve) => res.once('close', () => resolve()));
  const writeRaw = (chunk: Buffer) => {
    if (!res.destroyed && !res.writableEnded) socket?.write(chunk);
  };
  const buffered = () => res.writableLength + (socket?.writableLength ?? 0);
  return {
    write: (chunk) => {
      if (!raw) return void (res.destroyed || res.write(chunk));
      writeRaw(asChunk(typeof chunk === 'string' ? Buffer.from(chunk) : chunk));
    },
    writePage: (page) => (raw ? writeRaw(page.chunk) : void (res.destroyed || res.write(page.bytes))),
    buffered,
    end: () => void res.end(),
    destroy: () => res.destroy(),
    drain: () =>
      buffered() === 0 || res.destroyed || !socket
        ? Promise.resolve()
        : Promise.race([new Promise<void>((resolve) => socket.once('drain', () => resolve())), closed]),
    closed,
    response: RESPONSE_ALREADY_SENT,
  };
}

/** For `app.request()` and other non-Node hosts: the same contract over a byte-counted stream. */
function webSink(headers: Record<string, string>): SseSink {
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  let done = false;
  let resolveClosed!: () => void;
  const closed = new Promise<void>((resolve) => (resolveClosed = resolve));
  let drained: Array<() => void> = [];
  const release = () => {
    const waiting = drained;
    drained = [];
    for (const fn of waiting) fn();
  };
  const finish = () => {
    done = true;
    release();
    resolveClosed();
  };
  const stream = new ReadableStream<Uint8Array>(
    {
      start: (ctl) => void (controller = ctl),
      pull: release,
      cancel: finish,
    },
    new ByteLengthQueuingStrategy({ highWaterMark: 0 }),
  );
  const encoder = new TextEncoder();
  const write = (chunk: Buffer | string) => {
    if (!done) controller.enqueue(typeof chunk === 'string' ? encoder.encode(chunk) : new Uint8Array(chunk));
  };
  return {
    write,
    writePage: (page) => write(page.bytes),
    buffered: () => (done ? 0 : -(controller.desiredSize ?? 0)),
    end: () => {
      if (done) return;
      controller.close();
      finish();
    },
    destroy: () => {
      if (done) return;
      controller.error(new Error('SSE client too slow'));
      finish();
    },
    drain: () => (done || (controller.desiredSize ?? 0) >= 0 ? Promise.resolve() : new Promise((resolve) => drained.push(resolve))),
    closed,
    response: new Response(stream, { status: 200, headers }),
  };
}
