import type { SseEventData } from '../../schemas/api.js';
import type { EngineEvent } from '../engine/types.js';

/** The state a job (or batch) is in after an event, for clients that only want a progress bar. */
const STATE_AFTER: Record<string, string> = {
  'job.enqueued': 'ready',
  'job.unblocked': 'ready',
  'job.started': 'running',
  'job.retry_scheduled': 'ready',
  'job.snoozed': 'ready',
  'job.succeeded': 'succeeded',
  'job.dead': 'dead',
  'job.replayed': 'ready',
  'job.discarded': 'discarded',
  'batch.succeeded': 'succeeded',
  'batch.failed': 'failed',
  'job.cancelled': 'cancelled',
  'batch.cancelled': 'cancelled',
};

/** Engine journal row → SSE message: id and name from the row, data with the fields clients rely on. */
export function toSseMessage(e: EngineEvent): { id: string; event: string; data: string } {
  const state = typeof e.data.state === 'string' ? e.data.state : (STATE_AFTER[e.type] ?? 'unknown');
  const at = new Date(e.createdAt);
  const data: SseEventData = {
    ...e.data,
    jobId: e.jobId,
    batchId: e.groupId,
    state,
    at: Number.isNaN(at.getTime()) ? new Date(0).toISOString() : at.toISOString(),
  };
  // An event name is one line of a text protocol; never let a stored value break the framing.
  const event = e.type.replace(/[^\w.:-]/g, '_') || 'message';
  return { id: String(e.id), event, data: JSON.stringify(data) };
}

/** One event as the bytes every client receives: serialised once, written to each socket as is. */
export interface Frame {
  readonly id: number;
  readonly groupId: string | null;
  readonly bytes: Buffer;
}

/** The SSE wire form of an event (JSON.stringify never emits a raw newline, so one data line). */
export function toFrame(e: EngineEvent): Frame {
  const m = toSseMessage(e);
  return { id: e.id, groupId: e.groupId, bytes: Buffer.from(`id: ${m.id}\nevent: ${m.event}\ndata: ${m.data}\n\n`) };
}

/** Frames with the first and last id, and their bytes joined once for all clients that take them all. */
export interface FramePage {
  readonly frames: readonly Frame[];
  readonly firstId: number;
  readonly lastId: number;
  readonly bytes: Buffer;
  /** `bytes` as one HTTP/1.1 chunk, framed once so each socket gets the very same buffer. */
  readonly chunk: Buffer;
}

/** HTTP/1.1 chunked framing of one write. */
export function asChunk(bytes: Buffer): Buffer {
  return Buffer.concat([Buffer.from(`${bytes.length.toString(16)}\r\n`), bytes, CRLF]);
}
const CRLF = Buffer.from('\r\n');

export function toPage(frames: readonly Frame[]): FramePage {
  const bytes = frames.length === 1 ? frames[0]!.bytes : Buffer.concat(frames.map((f) => f.bytes));
  let chunk: Buffer | null = null;
  return {
    frames,
    firstId: frames[0]?.id ?? 0,
    lastId: frames.at(-1)?.id ?? 0,
    bytes,
    // Framed on first use: the same buffer then goes to every socket that takes the page whole.
    get chunk() {
      return (chunk ??= asChunk(bytes));
    },
  };
}
