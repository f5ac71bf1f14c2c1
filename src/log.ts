import { pino, type DestinationStream, type Logger, type LoggerOptions } from 'pino';
import { PinoPretty } from 'pino-pretty';
import { logEnv } from './config.js';

export type { Logger };

export type LogFormat = 'json' | 'pretty';

/**
 * `LOG_FORMAT=json|pretty` wins; otherwise human-readable lines when stdout is a terminal and one
 * JSON object per line when it is a pipe or a file (log shippers, `journald`, CI).
 */
export function logFormat(env: string | undefined, stdoutIsTTY: boolean): LogFormat {
  if (env === 'json' || env === 'pretty') return env;
  return stdoutIsTTY ? 'pretty' : 'json';
}

/** One structured logger per process; components take `.child({ component })` scopes of it. */
export function createLogger(
  opts: { level?: string; name?: string; format?: LogFormat; destination?: DestinationStream } = {},
): Logger {
  const fallback = logEnv();
  const options: LoggerOptions = {
    name: opts.name ?? 'quizforge',
    level: opts.level ?? fallback.level,
    redact: { paths: ['req.headers.authorization', 'headers.authorization', 'apiKey'], censor: '[redacted]' },
  };
  const format = opts.format ?? logFormat(fallback.format, process.stdout.isTTY === true);
  if (format === 'json') return opts.destination ? pino(options, opts.destination) : pino(options);
  // In-process and synchronous (no transport worker thread): a terminal is not a hot path.
  const pretty = PinoPretty({
    colorize: opts.destination === undefined && process.stdout.isTTY === true,
    translateTime: 'SYS:HH:MM:ss.l',
    ignore: 'pid,hostname',
    sync: true,
    ...(opts.destination ? { destination: opts.destination } : {}),
  });
  return pino(options, pretty);
}
