import type { Hono } from 'hono';
import type { Registry } from 'prom-client';
import type { BatchRequest } from '../../schemas/batch-request.js';
import type { RateLimits, TenantScope } from '../accounts/index.js';
import type { Database } from '../db/client.js';
import type { EngineEvent } from '../engine/types.js';
import type { Logger } from '../log.js';
import type { AuthConfig } from './auth.js';
import type { AppEnv } from './env.js';

/**
 * What the HTTP layer needs from the quiz service, declared here so routes depend on a contract
 * rather than an implementation; `createQuizService(...)` satisfies it structurally.
 * Views are passed through to JSON as they are; `schemas/api.ts` documents their wire shape.
 * Every call names the caller's TenantScope (from the principal): another tenant's ids answer as
 * unknown ones.
 */
export interface QuizApi {
  submit(request: BatchRequest, opts: { idempotencyKey?: string }, scope: TenantScope): Promise<{ created: boolean; batch: { id: string } }>;
  /** The tenant's usage in its current budget period (`GET /v1/usage`). */
  usage(tenant: string): Promise<object>;
  get(id: string, scope: TenantScope): Promise<object | null>;
  /** Null for an unknown batch; throws BatchFinishedError (409) for one that already succeeded. */
  cancel(id: string, scope: TenantScope): Promise<object | null>;
  /** False for an unknown batch; throws BatchActiveError (409) while jobs are unfinished. */
  remove(id: string, scope: TenantScope): Promise<boolean>;
  list(opts: { cursor?: string; limit?: number }, scope: TenantScope): Promise<{ items: object[]; nextCursor: string | null }>;
  dlqList(opts: { cursor?: string; limit?: number }, scope: TenantScope): Promise<{ items: object[]; nextCursor: string | null }>;
  dlqGet(jobId: number, scope: TenantScope): Promise<object | null>;
  dlqReplay(jobId: number, opts: { maxAttempts?: number; maxTokens?: number | null; maxCostUsd?: number | null }, scope: TenantScope): Promise<unknown>;
  dlqDiscard(jobId: number, scope: TenantScope): Promise<unknown>;
  dlqAccept(jobId: number, questions: readonly unknown[], reviewer: string, scope: TenantScope): Promise<unknown>;
  /** Owning tenant of each existing batch id: `/v1/events` shows a tenant only its batches' events. */
  batchOwners(ids: readonly string[]): Promise<Map<string, string>>;
}

/** Sources as the HTTP layer needs them; `createSourceService(...)` satisfies it structurally. */
export interface SourceApi {
  addText(input: { title?: string | undefined; text: string }, scope: TenantScope): Promise<{ created: boolean; source: { id: string } }>;
  addFile(
    input: { bytes: Uint8Array; mediaType: string | null; fileName: string | null; title?: string | undefined },
    scope: TenantScope,
  ): Promise<{ created: boolean; source: { id: string } }>;
  get(id: string, scope: TenantScope): Promise<object | null>;
  list(limit: number, scope: TenantScope): Promise<object[]>;
}

/** The engine's event journal as the SSE hub reads it: replay by id, plus wake-up hints. */
export interface EventFeed {
  readAfter(afterId: number, opts?: { groupId?: string; limit?: number }): Promise<EngineEvent[]>;
  subscribe(onWake: () => void): (() => void | Promise<void>) | Promise<() => void | Promise<void>>;
  /** The newest event id (0 when empty), where a live-only stream starts; paged to when absent. */
  latestId?(): Promise<number>;
}

export interface AppDeps {
  quiz: QuizApi;
  /** `/v1/sources`; the routes answer 404 without it. */
  sources?: SourceApi;
  engine: { events: EventFeed };
  database: Database;
  /** The process registry; engine and pipeline register theirs, the app adds HTTP latency. */
  registry: Registry;
  logger: Logger;
  auth: AuthConfig;
  /**
   * Per-tenant requests per minute (`QUIZFORGE_RATE_LIMIT_SUBMIT` / `_ALL`); absent or null: no
   * limit, and no query per request.
   */
  rateLimits?: RateLimits;
  /** Largest accepted request body; default 64 KiB. */
  bodyLimitBytes?: number;
  sse?: {
    /** Interval of `: keep-alive` comments; default 15 s (keep it below the proxy's read timeout). */
    keepAliveMs?: number;
    /** Fallback poll while clients are connected, in case a NOTIFY is lost; default 2 s. */
    pollMs?: number;
    /** Reconnect delay announced to clients (`retry:`); default 2 s. */
    retryMs?: number;
    /** Unread bytes beyond which a client that stopped reading is disconnected; default 512 KiB. */
    maxBufferedBytes?: number;
  };
  /**
   * Mounts the server-rendered pages. Called after the API routes and before the 404/405
   * fallbacks, so page routes share the app's request id, logging, security headers, error
   * envelope and auth context (use `requireAuth()` from `./auth.js` on them).
   */
  pages?: (app: Hono<AppEnv>) => void;
}
