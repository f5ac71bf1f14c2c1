/** The streams a command writes to; injected so commands are testable without a subprocess. */
export interface CliIo {
  stdin: NodeJS.ReadableStream;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  env: NodeJS.ProcessEnv;
}

export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

/** A usage mistake: the command prints it with its usage and exits 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export function processIo(): CliIo {
  return { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr, env: process.env };
}

export function writeLine(stream: NodeJS.WritableStream, text: string): void {
  stream.write(text.endsWith('\n') ? text : `${text}\n`);
}

/** Parses an integer flag; a malformed value is a usage error (exit 2) naming the flag. */
export function intOption(flag: string, raw: string, min = Number.MIN_SAFE_INTEGER): number {
  const n = raw.trim() === '' ? Number.NaN : Number(raw);
  if (!Number.isSafeInteger(n) || n < min) {
    throw new UsageError(`${flag} must be an integer${min > Number.MIN_SAFE_INTEGER ? ` >= ${min}` : ''}; got '${raw}'`);
  }
  return n;
}

/** The worker flags `serve` and `worker` share, for their parseArgs options. */
export const WORKER_FLAGS = {
  concurrency: { type: 'string' },
  'grace-ms': { type: 'string' },
} as const;

/** --concurrency (default from the config) and --grace-ms (default 30 s), checked as usage errors. */
export function workerFlags(
  values: { concurrency?: string | undefined; 'grace-ms'?: string | undefined },
  defaultConcurrency: number,
): { concurrency: number; graceMs: number } {
  return {
    concurrency: values.concurrency === undefined ? defaultConcurrency : intOption('--concurrency', values.concurrency, 1),
    graceMs: values['grace-ms'] === undefined ? 30_000 : intOption('--grace-ms', values['grace-ms'], 0),
  };
}
