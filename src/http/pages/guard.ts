import type { Context, MiddlewareHandler } from 'hono';
import { getCookie } from 'hono/cookie';
import type { TenantScope } from '../../accounts/index.js';
import { SESSION_COOKIE, identify, isSameOrigin, tenantOf, type Principal, type Scope } from '../auth.js';
import type { AppEnv } from '../env.js';

/**
 * Who may see and do what on the pages. Same keys as the API (Bearer header or the login form's
 * session cookie), but a browser without a session is sent to the login form, not given JSON.
 */

/**
 * The caller, resolved once per request (same keys and sessions as the API) and kept on the
 * context; an open admin of `default` for everyone when no keys are configured (loopback-only mode).
 */
export async function pagePrincipal(c: Context<AppEnv>): Promise<Principal | null> {
  const known = c.get('principal') as Principal | undefined;
  if (known) return known;
  const { principal } = await identify(c);
  if (principal) c.set('principal', principal);
  return principal;
}

/** The caller's scope, after `requireSession()` (or `pagePrincipal`) ran; null when unknown. */
export function pageScope(c: Context<AppEnv>): Scope | null {
  return (c.get('principal') as Principal | undefined)?.scope ?? null;
}

/** The tenant whose data the pages show (after `requireSession()`). */
export function pageTenant(c: Context<AppEnv>): TenantScope {
  return tenantOf(c.var.principal);
}

/** True when a log-out button makes sense: keys are configured and this request carries a valid session. */
export function hasSession(c: Context<AppEnv>): boolean {
  return c.var.auth.enabled && getCookie(c, SESSION_COOKIE) !== undefined && pageScope(c) !== null;
}

/** The pages' form posts use the same cross-site guard as the API. */
export { isSameOrigin };

export function sameOriginPosts(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    if (c.req.method === 'POST' && !isSameOrigin(c)) {
      return c.text('Cross-site form posts are refused.', 403);
    }
    await next();
  };
}

/** Where to send a reader after logging in: only paths on this site, never `//elsewhere`. */
export function safeNext(next: string | undefined): string {
  if (!next || !next.startsWith('/') || next.startsWith('//') || next.startsWith('/\\')) return '/';
  // Control characters could split the Location header; a real path never has them.
  if (next.length > 2048 || [...next].some((ch) => ch < ' ' || ch === '\u007f')) return '/';
  return next;
}

/** Sends a visitor without a session to the login form, remembering where they were going. */
export function requireSession(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    if ((await pagePrincipal(c)) !== null) return next();
    if (c.req.path.endsWith('.json')) return c.json({ error: { code: 'unauthorized', message: 'Log in first.' } }, 401);
    if (c.req.method === 'GET' || c.req.method === 'HEAD') {
      const url = new URL(c.req.url);
      return c.redirect(`/login?next=${encodeURIComponent(url.pathname + url.search)}`, 303);
    }
    return c.text('Log in first.', 401);
  };
}
