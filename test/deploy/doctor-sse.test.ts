import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useTestDatabase } from '../helpers/db.js';
import { goodModel, READ_KEY, startService, type Service } from '../pages/service.js';
import { findNginx, startNginx, type RunningNginx } from './nginx-harness.js';

const NGINX = findNginx();
const RUN = NGINX !== null || Boolean(process.env.CI);
const BIN = fileURLToPath(new URL('../../bin/quizforge.js', import.meta.url));
const run = promisify(execFile);

/** The shipped SSE location, turned into the classic mistake: buffering on, the app's opt-out ignored. */
function buffering(conf: string): string {
  const out = conf.replace('proxy_buffering off;', 'proxy_buffering on;\n            proxy_ignore_headers X-Accel-Buffering;');
  if (out === conf) throw new Error('deploy/nginx.conf has no `proxy_buffering off;` to rewrite');
  return out;
}

describe.skipIf(!RUN)('quizforge doctor: SSE through the public URL (real nginx)', () => {
  const getDb = useTestDatabase();
  let svc: Service;
  const proxies: RunningNginx[] = [];

  beforeAll(async () => {
    if (!NGINX) throw new Error('CI is set but the nginx binary is missing: .ci/run must install Debian’s nginx package');
    // A short keep-alive interval keeps the doctor's wait (and so the test) short.
    svc = await startService(getDb().database, { keys: true, sse: { keepAliveMs: 200 } });
    svc.pipeline.script(goodModel);
    // One finished batch, so the workers check sees recent activity and a healthy setup exits 0.
    const batch = await svc.pipeline.submit({ topic: 'Photosynthesis in C4 plants', count: 2 });
    await svc.pipeline.waitFor(batch.id, ['succeeded']);
  });
  afterAll(async () => {
    for (const p of proxies) await p.stop();
    await svc?.stop();
  });

  /** Runs the real CLI as a separate process, trusting the proxy's throwaway certificate as an operator would. */
  async function doctor(ngx: RunningNginx): Promise<{ code: number; stdout: string }> {
    const env = {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      LOG_LEVEL: 'silent',
      DATABASE_URL: getDb().url,
      OPENAI_BASE_URL: svc.pipeline.server?.url ?? '',
      OPENAI_API_KEY: 'sk-test',
      QUIZFORGE_API_KEYS: READ_KEY,
      QUIZFORGE_PUBLIC_URL: `https://127.0.0.1:${ngx.httpsPort}`,
      NODE_EXTRA_CA_CERTS: join(ngx.dir, 'cert.pem'),
    };
    try {
      const { stdout } = await run(process.execPath, [BIN, 'doctor', '--sse-wait', '2'], { env, timeout: 30_000 });
      return { code: 0, stdout };
    } catch (err) {
      const e = err as { code?: unknown; stdout?: string };
      if (typeof e.code !== 'number') throw err;
      return { code: e.code, stdout: e.stdout ?? '' };
    }
  }

  it('passes through the shipped deploy/nginx.conf: headers at once, keep-alives stream, exit 0', async () => {
    const ngx = await startNginx(NGINX ?? '', svc.port);
    proxies.push(ngx);
    const r = await doctor(ngx);
    expect(r.stdout).toMatch(/^ok {3}sse headers +GET https:\/\/127\.0\.0\.1:\d+\/v1\/events → 200 text\/event-stream/m);
    expect(r.stdout).toMatch(/^ok {3}sse keep-alive +first keep-alive \d+ ms after the request/m);
    expect(r.stdout).not.toMatch(/^FAIL/m);
    expect(r.code).toBe(0);
  });

  it('fails the SSE check behind a buffering nginx that ignores X-Accel-Buffering, naming the fix', async () => {
    const ngx = await startNginx(NGINX ?? '', svc.port, buffering);
    proxies.push(ngx);
    const r = await doctor(ngx);
    // nginx buffering a response holds even its headers until the buffer fills or upstream ends.
    expect(r.stdout).toMatch(/^FAIL sse headers +GET https:\/\/127\.0\.0\.1:\d+\/v1\/events: no response headers within 2000 ms/m);
    expect(r.stdout).not.toMatch(/^FAIL (?!sse)/m);
    expect(r.stdout).toMatch(/^ +fix: .*proxy_buffering off.*X-Accel-Buffering/m);
    expect(r.code).toBe(1);
  });
});
