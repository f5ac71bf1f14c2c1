import { readFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_KEEP_ALIVE_MS } from '../../src/http/app.js';
import { useTestDatabase } from '../helpers/db.js';
import { ADMIN_KEY, goodModel, startService, type Service } from '../pages/service.js';
import { DEPLOY_CONF, findNginx, startNginx, type RunningNginx } from './nginx-harness.js';

const NGINX = findNginx();
const RUN = NGINX !== null || Boolean(process.env.CI);
if (!RUN) console.warn('test/deploy/nginx.test.ts: skipped, no nginx binary (apt-get install nginx); in CI it always runs.');

describe('deploy/nginx.conf as written', () => {
  const conf = readFileSync(DEPLOY_CONF, 'utf8');
  const sse = /location ~ \^\/v1\/\(events\|batches\/\[\^\/\]\+\/events\)\$ \{([^}]*)\}/.exec(conf)?.[1] ?? '';

  it('has an SSE location for both streams with every directive a stream needs', () => {
    expect(sse).not.toBe('');
    const re = new RegExp('^/v1/(events|batches/[^/]+/events)$');
    expect(['/v1/events', '/v1/batches/3f1c/events'].every((p) => re.test(p))).toBe(true);
    expect(re.test('/v1/batches/3f1c')).toBe(false);
    for (const directive of [
      'proxy_http_version 1.1;',
      "proxy_set_header Connection '';",
      'proxy_buffering off;',
      'proxy_cache off;',
      'chunked_transfer_encoding on;',
    ]) {
      expect(sse).toContain(directive);
    }
  });

  it('waits longer for a quiet stream than the app’s keep-alive interval', () => {
    const m = /proxy_read_timeout (\d+)(ms|s|m|h)?;/.exec(sse);
    const unit = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 }[m?.[2] ?? 's'] ?? 1_000;
    expect(Number(m?.[1]) * unit).toBeGreaterThanOrEqual(4 * DEFAULT_KEEP_ALIVE_MS);
  });
});

interface Frame {
  at: number;
  id?: string;
  event?: string;
  data?: string;
  comment?: string;
}

/** A raw SSE reader over https that timestamps every frame, so delays in the proxy show. */
function openStream(port: number, ca: string, headers: Record<string, string>) {
  const frames: Frame[] = [];
  const waiters: Array<() => void> = [];
  let buffer = '';
  const started = Date.now();
  const response = new Promise<{ res: IncomingMessage; at: number }>((resolve, reject) => {
    const req = httpsRequest(
      { host: '127.0.0.1', port, path: '/v1/events', ca, headers: { accept: 'text/event-stream', ...headers }, agent: false },
      (res) => {
        resolve({ res, at: Date.now() });
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          buffer += chunk;
          let cut: number;
          while ((cut = buffer.indexOf('\n\n')) >= 0) {
            const block = buffer.slice(0, cut);
            buffer = buffer.slice(cut + 2);
            const f: Frame = { at: Date.now() };
            for (const line of block.split('\n')) {
              if (line.startsWith(':')) f.comment = line.slice(1).trim();
              else if (line.startsWith('id: ')) f.id = line.slice(4);
              else if (line.startsWith('event: ')) f.event = line.slice(7);
              else if (line.startsWith('data: ')) f.data = line.slice(6);
            }
            frames.push(f);
            for (const w of waiters.splice(0)) w();
          }
        });
      },
    );
    req.on('error', reject);
    req.end();
    closers.push(() => req.destroy());
  });
  return {
    started,
    response,
    frames,
    async until(pred: (f: Frame) => boolean, timeoutMs: number): Promise<Frame> {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const hit = frames.find(pred);
        if (hit) return hit;
        const left = deadline - Date.now();
        if (left <= 0) throw new Error(`no matching SSE frame within ${timeoutMs} ms; got ${JSON.stringify(frames)}`);
        await new Promise<void>((r) => {
          waiters.push(r);
          setTimeout(r, left);
        });
      }
    },
  };
}

const closers: Array<() => void> = [];
const bearer = { authorization: `Bearer ${ADMIN_KEY}` };

describe.skipIf(!RUN)('nginx in front of the service (TLS, self-signed)', () => {
  const getDb = useTestDatabase();
  let svc: Service;
  let ngx: RunningNginx;

  beforeAll(async () => {
    if (!NGINX) throw new Error('CI is set but the nginx binary is missing: .ci/run must install Debian’s nginx package');
    svc = await startService(getDb().database, { keys: true, sse: { keepAliveMs: 1_000 } });
    svc.pipeline.script(goodModel);
    ngx = await startNginx(NGINX, svc.port);
  });
  afterAll(async () => {
    for (const close of closers.splice(0)) close();
    await ngx?.stop();
    await svc?.stop();
  });

  async function post(path: string, body: string, headers: Record<string, string>) {
    return new Promise<{ status: number; headers: IncomingMessage['headers']; body: string }>((resolve, reject) => {
      const req = httpsRequest(
        { host: '127.0.0.1', port: ngx.httpsPort, path, method: 'POST', ca: ngx.ca, headers, agent: false },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (c: string) => (text += c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  }

  it('streams without delay: headers before any event, a new event within a second, keep-alives pass', async () => {
    const stream = openStream(ngx.httpsPort, ngx.ca, bearer);
    const { res, at } = await stream.response;
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/event-stream/);
    expect(at - stream.started).toBeLessThan(1_000);
    expect(stream.frames.filter((f) => f.event)).toEqual([]);

    const keepAlive = await stream.until((f) => f.comment === 'keep-alive', 3_000);
    expect(keepAlive.at - at).toBeLessThan(2_500);

    const created = await post('/v1/batches', JSON.stringify({ topic: 'Through nginx', count: 2 }), {
      ...bearer,
      'content-type': 'application/json',
    });
    const committed = Date.now();
    expect(created.status).toBe(202);
    const batchId = (JSON.parse(created.body) as { id: string }).id;
    const enqueued = await stream.until((f) => f.event === 'job.enqueued' && f.data?.includes(batchId) === true, 3_000);
    expect(enqueued.at - committed).toBeLessThan(1_000);
    // The worker runs the batch; every later event streams through as well.
    await stream.until((f) => f.event === 'batch.succeeded' && f.data?.includes(batchId) === true, 15_000);

    // A reconnect through nginx resumes from Last-Event-ID.
    const resumed = openStream(ngx.httpsPort, ngx.ca, { ...bearer, 'last-event-id': String(Number(enqueued.id) - 1) });
    const first = await resumed.until((f) => f.id !== undefined, 3_000);
    expect(first.id).toBe(enqueued.id);
    expect(await ngx.errorLog()).not.toMatch(/\[(error|crit|alert|emerg)\]/);
  });

  it('logs in through the proxy: same-origin check passes, the cookie is Secure, pages render', async () => {
    const origin = `https://127.0.0.1:${ngx.httpsPort}`;
    const res = await post('/login', new URLSearchParams({ key: ADMIN_KEY, next: '/dlq' }).toString(), {
      origin,
      'content-type': 'application/x-www-form-urlencoded',
    });
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/dlq');
    const cookie = String(res.headers['set-cookie'] ?? '');
    expect(cookie).toMatch(/qf_session=.*Secure/i);
    const forged = await post('/logout', '', { origin: 'https://evil.example', cookie: cookie.split(';')[0] ?? '' });
    expect(forged.status).toBe(403);
  });

  it('redirects plain HTTP to HTTPS', async () => {
    const res = await new Promise<IncomingMessage>((resolve, reject) => {
      const req = httpRequest({ host: '127.0.0.1', port: ngx.httpPort, path: '/dlq', agent: false }, resolve);
      req.on('error', reject);
      req.end();
    });
    res.resume();
    expect(res.statusCode).toBe(301);
    expect(res.headers.location).toMatch(/^https:\/\/127\.0\.0\.1\/dlq$/);
  });
});
