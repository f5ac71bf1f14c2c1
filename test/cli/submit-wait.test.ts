import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';

/**
 * `submit --wait` against an HTTP API that misbehaves the way a restarting service does: the
 * client side is what is under test, so the service here is a small real HTTP server.
 */
let server: Server | undefined;

afterEach(async () => {
  server?.closeAllConnections();
  await new Promise((r) => server?.close(r));
  server = undefined;
});

const jobs = (state: string) => [{ id: 1, kind: 'chunk', state, attempts: 1 }];
const batch = (status: string) => ({ id: 'b1', status, request: { topic: 'Tides', count: 1 }, jobs: jobs(status === 'succeeded' ? 'succeeded' : 'running'), questions: null });

async function serve(onBatchRead: (n: number, req: IncomingMessage, res: ServerResponse) => void): Promise<string> {
  let reads = 0;
  server = createServer((req, res) => {
    if (req.method === 'POST' && req.url === '/v1/batches') {
      res.writeHead(202, { 'content-type': 'application/json' }).end(JSON.stringify(batch('queued')));
    } else if (req.url === '/v1/batches/b1/events') {
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
      res.write(': open\n\n');
      // Two state changes, a little apart: each makes the CLI read the batch again.
      setTimeout(() => res.write('id: 1\nevent: job.started\ndata: {}\n\n'), 100);
      setTimeout(() => res.write('id: 2\nevent: batch.succeeded\ndata: {}\n\n'), 400);
    } else if (req.url === '/v1/batches/b1') {
      reads += 1;
      onBatchRead(reads, req, res);
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((r) => server?.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe('quizforge submit --wait', () => {
  it('keeps waiting through a dropped connection and a 503 while the service restarts, then reports success', async () => {
    const url = await serve((n, req, res) => {
      if (n === 1) return req.socket.destroy(); // a network error
      if (n === 2) return void res.writeHead(503, { 'content-type': 'application/json' }).end('{"error":{"code":"unavailable","message":"restarting"}}');
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ ...batch('succeeded'), questions: [{ question: 'q?' }] }));
    });
    const r = await runCli(['submit', '--topic', 'Tides', '--count', '1', '--wait', '--timeout', '20'], { QUIZFORGE_URL: url });
    expect(r.stderr).not.toMatch(/cannot reach|restarting/);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ id: 'b1', questions: [{ question: 'q?' }] });
  }, 30_000);

  it('ends when the batch is cancelled elsewhere, saying so', async () => {
    const url = await serve((_n, _req, res) => void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(batch('cancelled'))));
    const r = await runCli(['submit', '--topic', 'Tides', '--count', '1', '--wait', '--timeout', '20'], { QUIZFORGE_URL: url });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/batch b1 was cancelled/);
  }, 30_000);

  it('still ends at once on an answer that is the batch’s own outcome (a 404)', async () => {
    const url = await serve((_n, _req, res) => void res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":{"code":"not_found","message":"batch not found"}}'));
    const r = await runCli(['submit', '--topic', 'Tides', '--count', '1', '--wait', '--timeout', '20'], { QUIZFORGE_URL: url });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/not found/);
  }, 30_000);

  it('--priority is sent as the request field (the service validates it)', async () => {
    let posted: unknown = null;
    server = createServer((req, res) => {
      let text = '';
      req.on('data', (d: Buffer) => (text += d.toString()));
      req.on('end', () => {
        posted = JSON.parse(text) as unknown;
        res.writeHead(202, { 'content-type': 'application/json' }).end(JSON.stringify(batch('queued')));
      });
    });
    await new Promise<void>((r) => server?.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const r = await runCli(['submit', '--topic', 'Tides', '--count', '1', '--priority', 'economy'], { QUIZFORGE_URL: url });
    expect(r.code).toBe(0);
    expect(posted).toEqual({ topic: 'Tides', count: 1, priority: 'economy' });
  }, 30_000);
});
