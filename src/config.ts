import { z } from 'zod';
import { resolveTelemetryConfig, TelemetryConfigError, type TelemetryConfig } from './telemetry/config.js';

/** Parses an env var that may be empty into a list of non-empty, trimmed items. */
const csv = z
  .string()
  .optional()
  .transform((s) =>
    (s ?? '')
      .split(',')
      .map((x) => x.trim())
      .filter((x) => x.length > 0),
  );

const intFrom = (min: number, max: number, def: number) =>
  z
    .string()
    .optional()
    .transform((s, ctx) => {
      if (s === undefined || s.trim() === '') return def;
      const n = Number(s);
      if (!Number.isInteger(n) || n < min || n > max) {
        ctx.addIssue({ code: 'custom', message: `must be an integer ${min}–${max}; got ${JSON.stringify(s)}` });
        return z.NEVER;
      }
      return n;
    });

const EnvSchema = z.object({
  DATABASE_URL: z
    .string()
    .optional()
    .transform((s) => (s && s.trim() !== '' ? s.trim() : undefined)),
  QUIZFORGE_DATA_DIR: z.string().optional().default('./data'),
  HOST: z.string().optional().default('127.0.0.1'),
  PORT: intFrom(0, 65535, 3000),
  QUIZFORGE_API_KEYS: csv,
  QUIZFORGE_ADMIN_KEYS: csv,
  QUIZFORGE_SESSION_SECRET: z.string().optional(),
  QUIZFORGE_ALLOWED_HOSTS: csv,
  QUIZFORGE_PUBLIC_URL: z
    .string()
    .optional()
    .transform((s, ctx) => {
      if (s === undefined || s.trim() === '') return undefined;
      if (!/^https?:\/\/[^/]/.test(s.trim()) || !URL.canParse(s.trim())) {
        ctx.addIssue({ code: 'custom', message: `must be an http(s) URL such as https://quiz.example.com; got ${JSON.stringify(s)}` });
        return z.NEVER;
      }
      return s.trim();
    }),
  QUIZFORGE_CONCURRENCY: intFrom(1, 256, 4),
  QUIZFORGE_RATE_LIMIT_SUBMIT: intFrom(0, 1_000_000, 0),
  QUIZFORGE_RATE_LIMIT_ALL: intFrom(0, 1_000_000, 0),
  QUIZFORGE_EVENT_RETENTION_HOURS: intFrom(1, 24 * 365, 24 * 7),
  QUIZFORGE_RETENTION_DAYS: intFrom(0, 36_500, 0),
  QUIZFORGE_DB_CONNECT_TIMEOUT_MS: intFrom(0, 3_600_000, 10_000),
  QUIZFORGE_DB_STATEMENT_TIMEOUT_MS: intFrom(0, 86_400_000, 30_000),
  QUIZFORGE_DB_IDLE_TX_TIMEOUT_MS: intFrom(0, 86_400_000, 60_000),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).optional().default('info'),
});

export interface AppConfig {
  databaseUrl: string | undefined;
  dataDir: string;
  host: string;
  port: number;
  apiKeys: string[];
  adminKeys: string[];
  /** Signs page session cookies; set it when several API processes share sessions. */
  sessionSecret: string | undefined;
  /** Extra `Host` names answered in open mode (no keys) besides loopback. */
  allowedHosts: string[];
  /** The address clients use, through every proxy (`quizforge doctor` checks the event stream through it). */
  publicUrl: string | undefined;
  concurrency: number;
  /** Per-tenant API requests per minute (`POST /v1/batches`, and all `/v1` routes); null = unlimited. */
  rateLimits: { submit: number | null; all: number | null };
  eventRetentionMs: number;
  /** Finished batches (and all derived rows) purged when unchanged this long; 0 (the default) keeps everything. */
  retentionMs: number;
  /** Pool and session timeouts (ms, 0 = none): see DbTimeouts in src/db/client.ts. */
  dbTimeouts: { connectMs: number; statementMs: number; idleInTransactionMs: number };
  logLevel: string;
  /** OpenTelemetry export (`OTEL_EXPORTER_OTLP_ENDPOINT`…); off unless an endpoint is set. */
  telemetry: TelemetryConfig;
}

/** A misconfigured variable is named in the error, so the operator fixes the right thing. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/** Reads the process-level settings once; every component receives values, never `process.env`. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const parsed = EnvSchema.safeParse(env);
  if (!parsed.success) {
    const msg = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new ConfigError(`invalid configuration: ${msg}`);
  }
  const e = parsed.data;
  let telemetry: TelemetryConfig;
  try {
    telemetry = resolveTelemetryConfig(env);
  } catch (err) {
    if (err instanceof TelemetryConfigError) throw new ConfigError(err.message);
    throw err;
  }
  return {
    databaseUrl: e.DATABASE_URL,
    dataDir: e.QUIZFORGE_DATA_DIR,
    host: e.HOST,
    port: e.PORT,
    apiKeys: e.QUIZFORGE_API_KEYS,
    // Admin keys are API keys too: an admin can do everything a client can.
    adminKeys: e.QUIZFORGE_ADMIN_KEYS,
    sessionSecret: e.QUIZFORGE_SESSION_SECRET && e.QUIZFORGE_SESSION_SECRET !== '' ? e.QUIZFORGE_SESSION_SECRET : undefined,
    allowedHosts: e.QUIZFORGE_ALLOWED_HOSTS,
    publicUrl: e.QUIZFORGE_PUBLIC_URL,
    concurrency: e.QUIZFORGE_CONCURRENCY,
    rateLimits: { submit: e.QUIZFORGE_RATE_LIMIT_SUBMIT || null, all: e.QUIZFORGE_RATE_LIMIT_ALL || null },
    eventRetentionMs: e.QUIZFORGE_EVENT_RETENTION_HOURS * 3600_000,
    retentionMs: e.QUIZFORGE_RETENTION_DAYS * 86_400_000,
    dbTimeouts: {
      connectMs: e.QUIZFORGE_DB_CONNECT_TIMEOUT_MS,
      statementMs: e.QUIZFORGE_DB_STATEMENT_TIMEOUT_MS,
      idleInTransactionMs: e.QUIZFORGE_DB_IDLE_TX_TIMEOUT_MS,
    },
    logLevel: e.LOG_LEVEL,
    telemetry,
  };
}

/**
 * The logger's fallbacks when a caller names no level or format: `LOG_LEVEL` (silent under
 * `NODE_ENV=test`, else info) and `LOG_FORMAT`. Read here so the environment is read only by the
 * config modules.
 */
export function logEnv(env: NodeJS.ProcessEnv = process.env): { level: string; format: string | undefined } {
  return { level: env.LOG_LEVEL ?? (env.NODE_ENV === 'test' ? 'silent' : 'info'), format: env.LOG_FORMAT };
}
