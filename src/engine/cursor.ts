import { InvalidCursorError } from './errors.js';

/**
 * The one keyset-cursor codec: a page ends at a (timestamp, id) position, handed to clients as
 * opaque base64url JSON. Used by the DLQ (numeric job ids) and the batch list (string ids).
 */
export function encodeKeysetCursor(at: string, id: string | number): string {
  return Buffer.from(JSON.stringify([at, id])).toString('base64url');
}

type IdOf<K extends 'number' | 'string'> = K extends 'number' ? number : string;

/** Null for no cursor; InvalidCursorError for anything this codec did not write. */
export function decodeKeysetCursor<K extends 'number' | 'string'>(
  cursor: string | null | undefined,
  idKind: K,
): { at: string; id: IdOf<K> } | null {
  if (cursor === null || cursor === undefined || cursor === '') return null;
  try {
    const v: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(v) && v.length === 2 && typeof v[0] === 'string' && !Number.isNaN(Date.parse(v[0]))) {
      const id: unknown = v[1];
      if (idKind === 'number' ? Number.isSafeInteger(id) : typeof id === 'string') return { at: v[0], id: id as IdOf<K> };
    }
  } catch {
    // reported below
  }
  throw new InvalidCursorError(cursor);
}
