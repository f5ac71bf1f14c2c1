import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Context, MiddlewareHandler } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import type { AppConfig } from '../config.js';
import { ApiError } from './errors.js';
import type { AppEnv } from './env.js';

/**
 * API-key auth. `apiKeys` may use the API; `adminKeys` may also replay and discard DLQ entries
 * (an admin key is accepted wherever an API key is). Keys arrive as `Authorization: Bearer …`,
 * or, for the pages, as the `qf_session` cookie that `issueSessionCookie` sets after a login form.
 * With no key configured at all, auth is off and the server must stay on loopback (see server.ts).
 */
export interface AuthConfig {
  apiKeys: string[];
  adminKeys: string[];
  /**
   * Signs session cookies. Default: random per process, so sessions end on restart and are not
   * shared between API processes; set `QUIZFORGE_SESSION_SECRET` when running several.
   */
  sessionSecret?: string;
  /** Session lifetime; default 12 h. */
  sessionTtlSeconds?: number;
  /**
   * Extra `Host` names answered in open mode besides loopback (`QUIZFORGE_ALLOWED_HOSTS`); see
   * host-guard.ts. Ignored when keys are configured.
   */
  allowedHosts?: string[];
}

export type Scope = 'api' | 'admin';
export interface Principal {
  scope: Scope;
  via: 'bearer' | 'session' | 'open';
}

export const SESSION_COOKIE = 'qf_session';
const DEFAULT_TTL_SECONDS = 12 * 60 * 60;

/** The auth part of the process configuration (`loadConfig`, the one parser of QUIZFORGE_* keys). */
export function authConfigFrom(
  config: Pick<AppConfig, 'apiKeys' | 'adminKeys' | 'sessionSecret' | 'allowedHosts'>,
): AuthConfig {
  return {
    apiKeys: config.apiKeys,
    adminKeys: config.adminKeys,
    ...(config.sessionSecret ? { sessionSecret: config.sessionSecret } : {}),
    ...(config.allowedHosts.length > 0 ? { allowedHosts: config.allowedHosts } : {}),
  };
}

/** True when any key is configured: the switch between "open on loopback" and "keys required". */
export function authEnabled(config: AuthConfig): boolean {
  return config.apiKeys.length + config.adminKeys.length > 0;
}

const b64url = (buf: Buffer) => buf.toString('base64url');

/**
 * Holds keys only as HMAC digests and compares them in constant time, against every configured
 * key, so neither timing nor an early exit tells a caller how close a guess was.
 */
export class Authenticator {
  readonly enabled: boolean;
  private readonly secret: Buffer;
  private readonly ttlSeconds: number;
  private readonly digests: Array<{ digest: Buffer; scope: Scope }>;
  private readonly fingerprints = new Map<string, Scope>();

  constructor(config: AuthConfig) {
    this.enabled = authEnabled(config);
    this.secret = config.sessionSecret ? Buffer.from(config.sessionSecret, 'utf8') : randomBytes(32);
    this.ttlSeconds = config.sessionTtlSeconds ?? DEFAULT_TTL_SECONDS;
    const keys = [
      ...config.apiKeys.map((key) => ({ key, scope: 'api' as Scope })),
      ...config.adminKeys.map((key) => ({ key, scope: 'admin' as Scope })),
    ];
    this.digests = keys.map(({ key, scope }) => ({ digest: this.mac('key', key), scope }));
    for (const { key, scope } of keys) {
      const fp = this.fingerprint(key);
      // A key listed in both lists is an admin key.
      if (this.fingerprints.get(fp) !== 'admin') this.fingerprints.set(fp, scope);
    }
  }

  private mac(purpose: string, value: string): Buffer {
    return createHmac('sha256', this.secret).update(`${purpose}\0${value}`).digest();
  }

  private fingerprint(key: string): string {
    return b64url(this.mac('fingerprint', key)).slice(0, 22);
  }

  /** The scope a presented key grants, or null. */
  checkKey(key: string): Scope | null {
    const presented = this.mac('key', key);
    let found: Scope | null = null;
    for (const { digest, scope } of this.digests) {
      if (timingSafeEqual(presented, digest) && found !== 'admin') found = scope;
    }
    return found;
  }

  /** A session token naming the key by fingerprint: removing the key from config revokes it. */
  issueSession(key: string, now = Date.now()): string | null {
    if (this.checkKey(key) === null) return null;
    const body = `v1.${this.fingerprint(key)}.${Math.floor(now / 1000) + this.ttlSeconds}`;
    return `${body}.${b64url(this.mac('session', body))}`;
  }

  /** The scope a session token grants, or null when forged, expired or its key was removed. */
  checkSession(token: string, now = Date.now()): Scope | null {
    const parts = token.split('.');
    if (parts.length !== 4 || parts[0] !== 'v1') return null;
    const [v, fp, exp, sig] = parts as [string, string, string, string];
    const expected = this.mac('session', `${v}.${fp}.${exp}`);
    const given = Buffer.from(sig, 'base64url');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
    if (!/^\d{1,12}$/.test(exp) || Number(exp) * 1000 <= now) return null;
    return this.fingerprints.get(fp) ?? null;
  }

  get sessionTtlSeconds(): number {
    return this.ttlSeconds;
  }
}

/** Puts the authenticator on the context, so routes and pages can reach it without globals. */
export function authContext(auth: Authenticator): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    c.set('auth', auth);
    await next();
  };
}

const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

function unauthorized(message: string, invalid: boolean): ApiError {
  const challenge = invalid ? 'Bearer realm="quizforge", error="invalid_token"' : 'Bearer realm="quizforge"';
  return new ApiError(401, 'unauthorized', message, undefined, { 'WWW-Authenticate': challenge });
}

/**
 * Cross-site request forgery guard, shared by the API and the pages. A browser always says where a
 * write came from (Sec-Fetch-Site, or at least Origin); a request with neither is not from a
 * browser, so it cannot carry a forged cookie or ride on the open loopback mode. Scheme is not
 * compared: behind a TLS-terminating proxy the app sees http for an https origin.
 */
export function isSameOrigin(c: Context): boolean {
  const site = c.req.header('sec-fetch-site');
  if (site !== undefined) return site === 'same-origin' || site === 'none';
  const origin = c.req.header('origin');
  if (origin === undefined) return true;
  if (origin === 'null') return false;
  try {
    return new URL(origin).host === (c.req.header('host') ?? new URL(c.req.url).host);
  } catch {
    return false;
  }
}

function refuseCrossSite(c: Context): void {
  if (UNSAFE.has(c.req.method) && !isSameOrigin(c)) throw new ApiError(403, 'forbidden', 'cross-origin request refused');
}

/** The token of an `Authorization: Bearer <token>` header; null when the header has another shape. */
export function bearerToken(header: string): string | null {
  return /^Bearer[ ]+(\S+)\s*$/i.exec(header)?.[1] ?? null;
}

function resolvePrincipal(c: Context<AppEnv>, auth: Authenticator): Principal {
  const header = c.req.header('authorization');
  if (header !== undefined) {
    const token = bearerToken(header);
    const scope = token ? auth.checkKey(token) : null;
    if (!scope) throw unauthorized('invalid API key', true);
    return { scope, via: 'bearer' };
  }
  const token = getCookie(c, SESSION_COOKIE);
  if (token !== undefined) {
    const scope = auth.checkSession(token);
    if (!scope) throw unauthorized('session expired or invalid', true);
    refuseCrossSite(c);
    return { scope, via: 'session' };
  }
  throw unauthorized('missing API key: send Authorization: Bearer <key>', false);
}

/**
 * Guards a route (or a prefix) with a scope: 401 without a valid key or session, 403 when the
 * caller's key lacks `scope`. With auth disabled everyone is an open admin (loopback only).
 */
export function requireAuth(scope: Scope = 'api'): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const auth = c.var.auth;
    // Open mode is loopback-only, but any web page the user visits can still post to loopback.
    if (!auth.enabled) refuseCrossSite(c);
    const principal: Principal = auth.enabled ? resolvePrincipal(c, auth) : { scope: 'admin', via: 'open' };
    if (scope === 'admin' && principal.scope !== 'admin') {
      throw new ApiError(403, 'forbidden', 'this action needs an admin key');
    }
    c.set('principal', principal);
    await next();
  };
}

function isHttps(c: Context): boolean {
  return c.req.url.startsWith('https:') || c.req.header('x-forwarded-proto') === 'https';
}

/**
 * For the pages' login form: when `key` is valid, sets the HttpOnly, SameSite=Strict session
 * cookie and returns the scope it grants; returns null (and sets nothing) otherwise.
 */
export function issueSessionCookie(c: Context<AppEnv>, key: string): Scope | null {
  const auth = c.var.auth;
  const scope = auth.checkKey(key);
  const token = scope ? auth.issueSession(key) : null;
  if (!scope || !token) return null;
  setCookie(c, SESSION_COOKIE, token, {
    httpOnly: true,
    sameSite: 'Strict',
    path: '/',
    secure: isHttps(c),
    maxAge: auth.sessionTtlSeconds,
  });
  return scope;
}

/** For logout: expires the session cookie. */
export function clearSessionCookie(c: Context<AppEnv>): void {
  deleteCookie(c, SESSION_COOKIE, { path: '/', httpOnly: true, sameSite: 'Strict', secure: isHttps(c) });
}
