import { createHash } from 'node:crypto';
import type { Context } from 'hono';
import type { AppEnv } from './env.js';

/** True when an `If-None-Match` list names `etag` (weak comparison, as RFC 9110 asks for GET) or is `*`. */
export function etagMatches(ifNoneMatch: string | undefined, etag: string): boolean {
  if (ifNoneMatch === undefined) return false;
  const want = etag.replace(/^W\//, '');
  return ifNoneMatch.split(',').some((t) => {
    const tag = t.trim();
    return tag === '*' || tag.replace(/^W\//, '') === want;
  });
}

// Readers that shared one read (ReadCoalescer) are answered from one object: encode it once.
const encodings = new WeakMap<object, { text: string; etag: string }>();

function encoded(value: object): { text: string; etag: string } {
  let e = encodings.get(value);
  if (!e) {
    const text = JSON.stringify(value);
    e = { text, etag: `"${createHash('sha1').update(text).digest('base64url')}"` };
    encodings.set(value, e);
  }
  return e;
}

/**
 * A JSON answer with a strong `ETag` (SHA-1 of the exact bytes sent, with node:crypto: hono's
 * etag middleware clones the response and hashes it through WebCrypto, which was the largest
 * single cost of a batch read under load), or an empty 304 when `If-None-Match` already names it.
 */
export function jsonWithEtag(c: Context<AppEnv>, value: object): Response {
  const { text, etag } = encoded(value);
  c.header('ETag', etag);
  if (etagMatches(c.req.header('If-None-Match'), etag)) return c.body(null, 304);
  c.header('Content-Type', 'application/json');
  return c.body(text, 200);
}
