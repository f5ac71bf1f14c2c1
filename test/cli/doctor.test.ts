import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { createServer as createNetServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useTestDatabase } from '../helpers/db.js';
import { runCli } from '../helpers/cli.js';
import { startScriptedServer, type ScriptedServer } from '../../src/model/scripted-server.js';
import { providerScript } from '../../src/model/scripted-providers.js';

const getDb = useTestDatabase();
const servers: Array<{ close(): unknown }> = [];

function listen(server: Server): Promise<number> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));
}

async function closedPort(): Promise<number> {
  const s = createNetServer();
  const port = await new Promise<number>((resolve) => s.listen(0, '127.0.0.1', () => resolve((s.address() as AddressInfo).port)));
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

let scripted: ScriptedServer;
let unauthorizedPort: number;
let badTlsPort: number;
let silentSsePort: number;

beforeAll(async () => {
  scripted = await startScriptedServer(providerScript('deepseek', () => '{"ok": true}'));
  servers.push(scripted);
  const unauthorized = createHttpServer((_req, res) => {
    res.writeHead(401, { 'content-type': 'application/json' });
    res.end('{"error":{"message":"Incorrect API key provided"}}');
  });
  servers.push(unauthorized);
  unauthorizedPort = await listen(unauthorized);
  const dir = mkdtempSync(join(tmpdir(), 'qf-doctor-'));
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=localhost',
    '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')], { stdio: 'ignore' });
  const badTls = createHttpsServer({ key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) }, (_req, res) => res.end('{}'));
  servers.push(badTls);
  badTlsPort = await listen(badTls);
  // Answers the stream's headers and first comment at once, then nothing: a proxy that cuts keep-alives.
  const silentSse = createHttpServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    res.write('retry: 2000\n: connected\n\n');
  });
  servers.push({ close: () => (silentSse.closeAllConnections(), silentSse.close()) });
  silentSsePort = await listen(silentSse);
});
afterAll(async () => {
  for (const s of servers) await s.close();
});

const env = (model: Record<string, string>) => ({ DATABASE_URL: getDb().url, OPENAI_API_KEY: 'sk-test', ...model });

describe('quizforge doctor', () => {
  it('passes the database checks and names the missing workers', async () => {
    const r = await runCli(['doctor'], env({ OPENAI_BASE_URL: scripted.url }));
    expect(r.stdout).toMatch(/^ok {3}config/m);
    expect(r.stdout).toMatch(/^ok {3}database .*PostgreSQL reachable/m);
    expect(r.stdout).toMatch(/^ok {3}migrations +\d+\/\d+ applied/m);
    expect(r.stdout).toMatch(/^ok {3}clock skew/m);
    expect(r.stdout).toMatch(/^FAIL workers +no worker has claimed a job yet\n +fix: start `quizforge worker`/m);
    expect(r.stdout).toMatch(/^ok {3}model dns/m);
    expect(r.stdout).toMatch(/^ok {3}model http_auth +GET \/models → 404/m);
    expect(r.code).toBe(1);
  });

  it('stops at TCP for a closed port', async () => {
    const port = await closedPort();
    const r = await runCli(['doctor'], env({ OPENAI_BASE_URL: `http://127.0.0.1:${port}/v1` }));
    expect(r.stdout).toMatch(/^FAIL model tcp +127\.0\.0\.1:\d+: ECONNREFUSED/m);
    expect(r.stdout).not.toContain('model http_auth');
    expect(r.code).toBe(1);
  });

  it('stops at TLS for a certificate nobody trusts', async () => {
    const r = await runCli(['doctor'], env({ OPENAI_BASE_URL: `https://localhost:${badTlsPort}/v1` }));
    expect(r.stdout).toMatch(/^ok {3}model tcp/m);
    expect(r.stdout).toMatch(/^FAIL model tls +.*(self.signed|SELF_SIGNED)/im);
    expect(r.stdout).toContain('NODE_EXTRA_CA_CERTS');
    expect(r.code).toBe(1);
  });

  it('fails authentication on a 401', async () => {
    const r = await runCli(['doctor'], env({ OPENAI_BASE_URL: `http://127.0.0.1:${unauthorizedPort}/v1` }));
    expect(r.stdout).toMatch(/^FAIL model http_auth +GET \/models → 401\n +fix: .*OPENAI_API_KEY/m);
    expect(r.code).toBe(1);
  });

  it('with --probe finds the output mode a DeepSeek-like server takes', async () => {
    const r = await runCli(['doctor', '--probe'], env({ OPENAI_BASE_URL: scripted.url }));
    expect(r.stdout, r.stdout).toMatch(/^ok {3}model output +json_schema: 400 This response_format type is unavailable now; tools: 400 .*; json_object: JSON received → use json_object/m);
  });

  it('skips the SSE check without QUIZFORGE_PUBLIC_URL and fails it when no keep-alive comes', async () => {
    const skipped = await runCli(['doctor'], env({ OPENAI_BASE_URL: scripted.url }));
    expect(skipped.stdout).toMatch(/^skip sse +QUIZFORGE_PUBLIC_URL not set/m);
    const r = await runCli(['doctor', '--sse-wait', '0.5'], env({ OPENAI_BASE_URL: scripted.url, QUIZFORGE_PUBLIC_URL: `http://127.0.0.1:${silentSsePort}/` }));
    expect(r.stdout).toMatch(/^ok {3}sse headers +GET http:\/\/127\.0\.0\.1:\d+\/v1\/events → 200 text\/event-stream in \d+ ms/m);
    expect(r.stdout).toMatch(/^FAIL sse keep-alive +no keep-alive within 500 ms \(\d+ bytes of the stream arrived\)\n +fix: .*proxy_buffering off/m);
    expect(r.code).toBe(1);
  });

  it('reports bad configuration and exits 2 on bad usage', async () => {
    const bad = await runCli(['doctor'], { DATABASE_URL: getDb().url, OPENAI_BASE_URL: 'localhost:1' });
    expect(bad.stdout).toMatch(/^FAIL config +Invalid model configuration: OPENAI_BASE_URL/m);
    expect(bad.code).toBe(1);
    expect((await runCli(['doctor', '--nope'], {})).code).toBe(2);
    expect((await runCli(['doctor', '--sse-wait', 'soon'], {})).code).toBe(2);
    const badUrl = await runCli(['doctor'], { DATABASE_URL: getDb().url, QUIZFORGE_PUBLIC_URL: 'quiz.example.com' });
    expect(badUrl.stdout).toMatch(/^FAIL config +invalid configuration: QUIZFORGE_PUBLIC_URL: must be an http\(s\) URL/m);
  });
});
