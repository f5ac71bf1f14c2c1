import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Context, MiddlewareHandler } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import type { AppConfig } from '../config.js';
import { DEFAULT_TENANT, parseEnvKey, scopeFor, type KeyIdentity, type ManagedKeys, type RateLimits, type TenantScope } from '../accounts/index.js';
import { ApiError } from './errors.js';
import type { AppEnv } from './env.js';

/**
 * API-key auth. Keys come from the environment (`apiKeys`, `adminKeys`; `tenant:key` entries name
 * their tenant, bare keys belong to `default`) and from the database (managed keys, created with
 * `quizforge keys create`, see src/accounts/). `adminKeys` may also replay and discard DLQ entries
 * (an admin key is accepted wherever an API key is). Keys arrive as `Authorization: Bearer …`, or,
 * for the pages, as the `qf_session` cookie that `issueSessionCookie` sets after a login form.
 * With no key configured at all, auth is off and the server must stay on loopback (see server.ts).
 */
export interface AuthConfig {
  apiKeys: string[];
  adminKeys: string[];
  /**
   * Keys are required even with none in the environment, because managed keys exist
   * (`serve` sets it when the database holds any).
   */
  managedKeys?: boolean;
  /** How long a managed-key lookup is trusted (revocation delay); default KEY_CACHE_TTL_MS (5 s). */
  keyCacheTtlMs?: number;
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

/** Who a valid key is: its scope, tenant, rate-limit overrides, and how a session names it. */
export interface Identity {
  scope: Scope;
  tenant: string;
  /** The managed key's id; null for environment keys and open mode. */
  keyId: string | null;
  limits: Partial<RateLimits>;
  /** Names the key inside a session token: `e<fingerprint>` for environment keys, the id for managed ones. */
  ref: string;
}

export interface Principal {
  scope: Scope;
  via: 'bearer' | 'session' | 'open';
  tenant: string;
  keyId: string | null;
  limits: Partial<RateLimits>;
}

/** The data a principal may see and the tenant it creates for (see TenantScope). */
export function tenantOf(p: Principal): TenantScope {
  return scopeFor(p.tenant, p.scope === 'admin');
}

export const SESSION_COOKIE = 'qf_session';
const DEFAULT_TTL_SECONDS = 12 * 60 * 60;
const OPEN_PRINCIPAL: Principal = { scope: 'admin', via: 'open', tenant: DEFAULT_TENANT, keyId: null, limits: {} };

/** The auth part of the process configuration (`loadConfig`, the one parser of QUIZFORGE_* keys). */
export function authConfigFrom(
  config: Pick<AppConfig, 'apiKeys' | 'adminKeys' | 'sessionSecret' | 'allowedHosts'>,
  opts: { managedKeys?: boolean } = {},
): AuthConfig {
  return {
    apiKeys: config.apiKeys,
    adminKeys: config.adminKeys,
    ...(opts.managedKeys ? { managedKeys: true } : {}),
    ...(config.sessionSecret ? { sessionSecret: config.sessionSecret } : {}),
    ...(config.allowedHosts.length > 0 ? { allowedHosts: config.allowedHosts } : {}),
  };
}

/** True when any key is configured: the switch between "open on loopback" and "keys required". */
export function authEnabled(config: AuthConfig): boolean {
  return config.apiKeys.length + config.adminKeys.length > 0 || config.managedKeys === true;
}

const b64url = (buf: Buffer) => buf.toString('base64url');

/** A managed key as auth sees it; a session names it by its id. */
function fromManaged(k: KeyIdentity | null): Identity | null {
  return k ? { scope: k.admin ? 'admin' : 'api', tenant: k.tenant, keyId: k.keyId, limits: k.limits, ref: k.keyId } : null;
}

interface EnvKey {
  digest: Buffer;
  identity: Identity;
}

/**
 * Holds environment keys only as HMAC digests and compares them in constant time, against every
 * configured key, so neither timing nor an early exit tells a caller how close a guess was.
 * Managed keys are looked up by their SHA-256 digest (ManagedKeys, cached briefly per process).
 */
export class Authenticator {
  readonly enabled: boolean;
  private readonly secret: Buffer;
  private readonly ttlSeconds: number;
  private readonly envKeys: EnvKey[] = [];
  private readonly byRef = new Map<string, Identity>();

  constructor(
    config: AuthConfig,
    private readonly managed: ManagedKeys | null = null,
  ) {
    this.enabled = authEnabled(config);
    this.secret = config.sessionSecret ? Buffer.from(config.sessionSecret, 'utf8') : randomBytes(32);
    this.ttlSeconds = config.sessionTtlSeconds ?? DEFAULT_TTL_SECONDS;
    const entries = [
      ...config.apiKeys.map((entry) => ({ entry, scope: 'api' as Scope })),
      ...config.adminKeys.map((entry) => ({ entry, scope: 'admin' as Scope })),
    ];
    for (const { entry, scope } of entries) {
      const { tenant, key } = parseEnvKey(entry);
      const ref = `e${b64url(this.mac('fingerprint', key)).slice(0, 22)}`;
      const known = this.byRef.get(ref);
      // A key listed in both lists is an admin key.
      if (known && (known.scope === 'admin' || scope === 'api')) continue;
      const identity: Identity = { scope, tenant: known?.tenant ?? tenant, keyId: null, limits: {}, ref };
      this.byRef.set(ref, identity);
      const existing = this.envKeys.find((k) => k.identity.ref === ref);
      if (existing) existing.identity = identity;
      else this.envKeys.push({ digest: this.mac('key', key), identity });
    }
  }

  private mac(purpose: string, value: string): Buffer {
    return createHmac('sha256', this.secret).update(`${purpose}\0${value}`).digest();
  }

  /** Who a presented key is, or null: environment keys first (constant time), then managed keys. */
  async checkKey(key: string): Promise<Identity | null> {
    const presented = this.mac('key', key);
    let found: Identity | null = null;
    for (const { digest, identity } of this.envKeys) {
      if (timingSafeEqual(presented, digest)) found = identity;
    }
    if (found || !this.managed) return found;
    return fromManaged(await this.managed.bySecret(key));
  }

  private async byReference(ref: string): Promise<Identity | null> {
    if (ref.startsWith('e')) return this.byRef.get(ref) ?? null;
    return fromManaged(this.managed ? await this.managed.byId(ref) : null);
  }

  /** A session token naming the key (fingerprint or managed id): removing or revoking the key ends it. */
  async issueSession(key: string, now = Date.now()): Promise<string | null> {
    const identity = await this.checkKey(key);
    return identity ? this.sessionFor(identity, now) : null;
  }

  sessionFor(identity: Identity, now = Date.now()): string {
    const body = `v2.${identity.ref}.${Math.floor(now / 1000) + this.ttlSeconds}`;
    return `${body}.${b64url(this.mac('session', body))}`;
  }

  /** Who a session token is, or null when forged, expired, or its key was removed or revoked. */
  async checkSession(token: string, now = Date.now()): Promise<Identity | null> {
    const parts = token.split('.');
    if (parts.length !== 4 || parts[0] !== 'v2') return null;
    const [v, ref, exp, sig] = parts as [string, string, string, string];
    const expected = this.mac('session', `${v}.${ref}.${exp}`);
    const given = Buffer.from(sig, 'base64url');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
    if (!/^\d{1,12}$/.test(exp) || Number(exp) * 1000 <= now) return null;
    return this.byReference(ref);
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

function principalOf(identity: Identity, via: Principal['via']): Principal {
  return { scope: identity.scope, via, tenant: identity.tenant, keyId: identity.keyId, limits: identity.limits };
}

/**
 * The caller of a request, without refusing: `open` in open mode, null when no valid key or
 * session came with it (`missing` tells a request that brought none). The pages use it directly.
 */
export async function identify(c: Context<AppEnv>): Promise<{ principal: Principal | null; missing: boolean; via: 'bearer' | 'session' | null }> {
  const auth = c.var.auth;
  if (!auth.enabled) return { principal: OPEN_PRINCIPAL, missing: false, via: null };
  const header = c.req.header('authorization');
  if (header !== undefined) {
    const token = bearerToken(header);
    const identity = token ? await auth.checkKey(token) : null;
    return { principal: identity ? principalOf(identity, 'bearer') : null, missing: false, via: 'bearer' };
  }
  const token = getCookie(c, SESSION_COOKIE);
  if (token !== undefined) {
    const identity = await auth.checkSession(token);
    return { principal: identity ? principalOf(identity, 'session') : null, missing: false, via: 'session' };
  }
  return { principal: null, missing: true, via: null };
}

async function resolvePrincipal(c: Context<AppEnv>): Promise<Principal> {
  const { principal, via } = await identify(c);
  if (principal) {
    if (principal.via === 'session') refuseCrossSite(c);
    return principal;
  }
  if (via === 'bearer') throw unauthorized('invalid API key', true);
  if (via === 'session') throw unauthorized('session expired or invalid', true);
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
    // Already known when a prefix guard ran first (`/v1/*` then a route's admin guard).
    const principal: Principal = (c.get('principal') as Principal | undefined) ?? (auth.enabled ? await resolvePrincipal(c) : OPEN_PRINCIPAL);
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
 * cookie (which carries the key's tenant through its reference) and returns the scope it grants;
 * returns null (and sets nothing) otherwise.
 */
export async function issueSessionCookie(c: Context<AppEnv>, key: string): Promise<Scope | null> {
  const auth = c.var.auth;
  const identity = await auth.checkKey(key);
  if (!identity) return null;
  const token = auth.sessionFor(identity);
  const scope = identity.scope;
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

/** The tenant scope of an authenticated request (after `requireAuth`): what it may see, whom it creates for. */
export function requestScope(c: Context<AppEnv>): TenantScope {
  return tenantOf(c.var.principal);
}
