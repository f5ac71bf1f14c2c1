import { describe, expect, it } from 'vitest';
import { checkBind, isLoopback } from '../../src/http/server.js';

describe('checkBind: an unauthenticated service stays on loopback', () => {
  it.each(['127.0.0.1', '127.1.2.3', 'localhost', '::1', '[::1]', '::ffff:127.0.0.1', 'LOCALHOST'])('%s is loopback', (host) => {
    expect(isLoopback(host)).toBe(true);
  });

  it.each(['0.0.0.0', '::', '', '10.0.0.5', '192.168.1.1', 'example.com', '128.0.0.1', '127.0.0.256', 'localhost.evil.com'])(
    '%s is not loopback',
    (host) => {
      expect(isLoopback(host)).toBe(false);
    },
  );

  it('allows loopback without keys but warns that it is unauthenticated', () => {
    const r = checkBind('127.0.0.1', false);
    expect(r).toEqual({ ok: true, warning: expect.stringContaining('unauthenticated') });
  });

  it('refuses a public bind without keys, naming the fix', () => {
    const r = checkBind('0.0.0.0', false);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toMatch(/QUIZFORGE_API_KEYS/);
  });

  it('allows any address once keys are configured', () => {
    expect(checkBind('0.0.0.0', true)).toEqual({ ok: true, warning: null });
  });
});
