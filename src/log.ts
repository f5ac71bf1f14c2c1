import { pino, type Logger, type LoggerOptions } from 'pino';

export type { Logger };

/** One structured logger per process; components take `.child({ component })` scopes of it. */
export function createLogger(opts: { level?: string; name?: string } = {}): Logger {
  const options: LoggerOptions = {
    name: opts.name ?? 'quizforge',
    level: opts.level ?? process.env.LOG_LEVEL ?? (process.env.NODE_ENV === 'test' ? 'silent' : 'info'),
    redact: { paths: ['req.headers.authorization', 'headers.authorization', 'apiKey'], censor: '[redacted]' },
  };
  return pino(options);
}
