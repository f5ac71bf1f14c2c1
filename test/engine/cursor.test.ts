import { describe, expect, it } from 'vitest';
import { decodeKeysetCursor, encodeKeysetCursor } from '../../src/engine/cursor.js';
import { InvalidCursorError } from '../../src/engine/errors.js';

describe('the keyset cursor codec shared by the DLQ and the batch list', () => {
  it('round-trips a numeric and a string id', () => {
    const at = '2026-12-02T10:00:00.000Z';
    expect(decodeKeysetCursor(encodeKeysetCursor(at, 42), 'number')).toEqual({ at, id: 42 });
    expect(decodeKeysetCursor(encodeKeysetCursor(at, 'b_1'), 'string')).toEqual({ at, id: 'b_1' });
  });

  it('reads no cursor as the first page', () => {
    for (const none of [null, undefined, '']) expect(decodeKeysetCursor(none, 'number')).toBeNull();
  });

  it('refuses what it did not write, and an id of the other kind', () => {
    const at = '2026-12-02T10:00:00.000Z';
    const refused = [
      'not-base64-json',
      Buffer.from('[1,2]').toString('base64url'),
      Buffer.from('["not a date",1]').toString('base64url'),
      Buffer.from(JSON.stringify([at, 1, 2])).toString('base64url'),
      encodeKeysetCursor(at, 'b_1'),
    ];
    for (const c of refused) expect(() => decodeKeysetCursor(c, 'number')).toThrow(InvalidCursorError);
    expect(() => decodeKeysetCursor(encodeKeysetCursor(at, 7), 'string')).toThrow(InvalidCursorError);
  });
});
