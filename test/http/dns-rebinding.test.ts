import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { authConfigFrom } from '../../src/http/auth.js';
import { isAllowedHost } from '../../src/http/host-guard.js';
import { useTestDatabase } from '../helpers/db.js';
import { goodModel, startService, type Service } from '../pages/service.js';

const getDb = useTestDatabase();
let svc: Service;

interface Answer {
  status: number;
  contentType: string;
  body: string;
}

/**
 * A raw HTTP request, so the `Host` header is exactly what a rebinding page's browser sends
 * (fetch would not let a test forge it). Reads at most the first chunk of a stream.
 */
function send(path: string, opts: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { host: '127.0.0.1', port: svc.port, path, method: opts.method ?? 'GET', headers: opts.headers ?? {} },
      (res) => {
        let body = '';
        const done = () => {
          req.destroy();
          resolve({ status: res.statusCode ?? 0, contentType: String(res.headers['content-type'] ?? ''), body });
        };
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          body += chunk;
          if (String(res.headers['content-type']).startsWith('text/event-stream')) done();
        });
        res.on('end', done);
      },
    );
    req.on('error', reject);
    req.end(opts.body);
  });
}

const FORGED = ['attacker.example:3000', 'attacker.example', 'rebind.127.0.0.1.nip.io', '10.0.0.5:3000', '[fe80::1]:3000'];
const post = (host: string, body: unknown) => ({
  method: 'POST',
  headers: { host, origin: `http://${host}`, 'content-type': 'application/json' },
  body: JSON.stringify(body),
});

beforeAll(async () => {
  svc = await startService(getDb().database, { allowedHosts: ['quiz.internal'] });
  svc.pipeline.script(goodModel);
});
afterAll(async () => {
  await svc?.stop();
});

describe('open mode refuses a Host that is not loopback (DNS rebinding)', () => {
  it('answers reads, writes, SSE and pages for a forged Host with the 403 envelope', async () => {
    for (const host of FORGED) {
      const answers = [
        await send('/v1/dlq', { headers: { host } }),
        await send('/v1/batches', { headers: { host } }),
        await send('/v1/batches', post(host, { topic: 'Rebinding', count: 1 })),
        await send('/v1/dlq/1/discard', post(host, {})),
        await send('/v1/events', { headers: { host, accept: 'text/event-stream' } }),
        await send('/', { headers: { host } }),
        await send('/dlq', { headers: { host } }),
        await send('/dashboard.json', { headers: { host } }),
        await send('/login', post(host, {})),
      ];
      for (const a of answers) {
        expect(a.status, `${host}: ${a.body.slice(0, 80)}`).toBe(403);
        expect(a.contentType).toMatch(/^application\/json/);
        const envelope = JSON.parse(a.body) as { error: { code: string; message: string } };
        expect(envelope.error.code).toBe('forbidden');
        expect(envelope.error.message).toMatch(/host not allowed/);
      }
    }
    const list = (await svc.pipeline.service.list({})) as { items: unknown[] };
    expect(list.items).toHaveLength(0);
  });

  it('answers loopback names and addresses, and the hosts QUIZFORGE_ALLOWED_HOSTS adds', async () => {
    for (const host of ['localhost:3000', 'LOCALHOST', '127.0.0.1:3000', '127.8.9.10', '[::1]:3000', 'quiz.internal:8080']) {
      expect((await send('/v1/dlq', { headers: { host } })).status, host).toBe(200);
      expect((await send('/', { headers: { host } })).status, host).toBe(200);
      const sse = await send('/v1/events', { headers: { host, accept: 'text/event-stream' } });
      expect(sse.status, host).toBe(200);
      expect(sse.contentType).toMatch(/^text\/event-stream/);
    }
    const created = await send('/v1/batches', post('localhost:3000', { topic: 'Rebinding', count: 1 }));
    expect(created.status).toBe(202);
  });

  it('reads QUIZFORGE_ALLOWED_HOSTS, and matches names without their port', () => {
    const config = authConfigFrom(loadConfig({ QUIZFORGE_ALLOWED_HOSTS: ' quiz.internal , 192.168.1.4:3000 ' }));
    expect(config.allowedHosts).toEqual(['quiz.internal', '192.168.1.4:3000']);
    expect(isAllowedHost('192.168.1.4:9999', config.allowedHosts ?? [])).toBe(true);
    expect(isAllowedHost('quiz.internal.attacker.example', config.allowedHosts ?? [])).toBe(false);
    expect(isAllowedHost('127.0.0.1.attacker.example', [])).toBe(false);
  });
});

describe('with keys configured', () => {
  it('accepts any Host, since every request is authenticated (proxies rename it)', async () => {
    const keyed = await startService(getDb().database, { keys: true });
    try {
      const res = await fetch(`${keyed.url}/healthz`);
      expect(res.status).toBe(200);
      const raw = await new Promise<number>((resolve, reject) => {
        const req = httpRequest({ host: '127.0.0.1', port: keyed.port, path: '/healthz', headers: { host: 'quiz.example.com' } }, (r) => {
          r.resume();
          resolve(r.statusCode ?? 0);
        });
        req.on('error', reject);
        req.end();
      });
      expect(raw).toBe(200);
    } finally {
      await keyed.stop();
    }
  });
});
