import type { MiddlewareHandler } from 'hono';
import { ApiError } from './errors.js';
import type { AppEnv } from './env.js';
import { isLoopback } from './server.js';

/**
 * DNS-rebinding guard for open mode (no keys). Binding to loopback keeps other machines out, but a
 * web page whose domain re-resolves to 127.0.0.1 becomes same-origin with the service and could
 * read and write everything. Such a request still names the attacker's domain in `Host`, so open
 * mode answers only a loopback `Host` (`localhost`, `127.0.0.0/8`, `[::1]`) or one listed in
 * `QUIZFORGE_ALLOWED_HOSTS`, as dev servers do (`allowedHosts`). With keys configured every request
 * is authenticated instead and any `Host` is accepted (reverse proxies rename it).
 */

/** The host name of a `Host` header value, without port or IPv6 brackets, lower-cased. */
export function hostName(header: string): string {
  const h = header.trim().toLowerCase();
  if (h.startsWith('[')) {
    const end = h.indexOf(']');
    return end === -1 ? h : h.slice(1, end);
  }
  const colon = h.indexOf(':');
  return colon === -1 ? h : h.slice(0, colon);
}

/** True when open mode may answer a request naming `header` as its Host. */
export function isAllowedHost(header: string | undefined, allowed: readonly string[]): boolean {
  if (header === undefined || header.trim() === '') return false;
  const name = hostName(header);
  if (name === '') return false;
  return isLoopback(name) || allowed.some((a) => hostName(a) === name);
}

export function hostGuard(enabled: boolean, allowed: readonly string[]): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    if (!enabled) {
      const host = c.req.header('host') ?? new URL(c.req.url).host;
      if (!isAllowedHost(host, allowed)) {
        throw new ApiError(
          403,
          'forbidden',
          'host not allowed: without API keys only loopback hosts are answered (set QUIZFORGE_ALLOWED_HOSTS to add one)',
        );
      }
    }
    await next();
  };
}
