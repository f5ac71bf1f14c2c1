import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger, logFormat } from '../../src/log.js';

function capture(): { stream: Writable; text: () => string } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer | string, _enc, done) {
      chunks.push(chunk.toString());
      done();
    },
  });
  return { stream, text: () => chunks.join('') };
}

describe('log format', () => {
  it('is pretty on a terminal and JSON otherwise, LOG_FORMAT overriding both', () => {
    expect(logFormat(undefined, true)).toBe('pretty');
    expect(logFormat(undefined, false)).toBe('json');
    expect(logFormat('json', true)).toBe('json');
    expect(logFormat('pretty', false)).toBe('pretty');
    expect(logFormat('yaml', false)).toBe('json');
  });

  it('JSON: one parseable object per line, secrets redacted', () => {
    const out = capture();
    const log = createLogger({ level: 'info', format: 'json', destination: out.stream });
    log.child({ component: 'http' }).info({ apiKey: 'sekrit', n: 3 }, 'listening');
    const line = JSON.parse(out.text().trim()) as Record<string, unknown>;
    expect(line).toMatchObject({ msg: 'listening', component: 'http', n: 3, apiKey: '[redacted]', level: 30 });
  });

  it('pretty: a human-readable line with level, name and message, not JSON', () => {
    const out = capture();
    const log = createLogger({ level: 'info', format: 'pretty', destination: out.stream });
    log.warn({ apiKey: 'sekrit' }, 'no API keys configured');
    const text = out.text();
    expect(text).toMatch(/WARN/);
    expect(text).toMatch(/\(quizforge\): no API keys configured/);
    expect(text).not.toMatch(/sekrit/);
    expect(() => JSON.parse(text)).toThrow();
  });
});

describe('where the environment is read', () => {
  it('the logger falls back to LOG_LEVEL / LOG_FORMAT through the config module', async () => {
    const { logEnv } = await import('../../src/config.js');
    expect(logEnv({ LOG_LEVEL: 'warn', LOG_FORMAT: 'json' })).toEqual({ level: 'warn', format: 'json' });
    expect(logEnv({ NODE_ENV: 'test' })).toEqual({ level: 'silent', format: undefined });
    expect(logEnv({})).toEqual({ level: 'info', format: undefined });
  });

  it('only the config modules (and the CLI io boundary that hands env to commands) read process.env', async () => {
    const { readdirSync, readFileSync } = await import('node:fs');
    const { join } = await import('node:path');
    const files = (readdirSync('src', { recursive: true }) as string[]).filter((f) => /\.tsx?$/.test(f));
    const readers = files.filter((f) => /process\.env\b/.test(readFileSync(join('src', f), 'utf8')));
    const allowed = (f: string) => /(^|\/)config\.ts$/.test(f) || f === join('cli', 'io.ts');
    expect(readers.filter((f) => !allowed(f))).toEqual([]);
  });
});
