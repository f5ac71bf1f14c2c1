import type { BatchCursor } from '../db/quiz/index.js';
import { decodeKeysetCursor, encodeKeysetCursor } from '../engine/cursor.js';

const DEFAULT_PAGE = 20;
const MAX_PAGE = 100;

/** A list's page size: 20 unless given, at most 100. */
export function pageLimit(limit: number | undefined): number {
  if (limit === undefined) return DEFAULT_PAGE;
  if (!Number.isInteger(limit) || limit < 1) throw new RangeError('limit must be a positive integer');
  return Math.min(limit, MAX_PAGE);
}

/** The opaque cursor of a batch listing's position. */
export function encodeBatchCursor(c: BatchCursor): string {
  return encodeKeysetCursor(c.createdAt, c.id);
}

/** A cursor back to its position (null: the first page); a forged one throws InvalidCursorError. */
export function decodeBatchCursor(cursor: string | null | undefined): BatchCursor | null {
  const c = decodeKeysetCursor(cursor, 'string');
  return c === null ? null : { createdAt: c.at, id: c.id };
}
