import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export const DEPLOY_CONF = new URL('../../deploy/nginx.conf', import.meta.url);

/** Debian puts nginx in /usr/sbin, which is not on every PATH. */
export function findNginx(): string | null {
  for (const dir of ['/usr/sbin', '/usr/bin', '/usr/local/sbin', '/usr/local/bin', ...(process.env.PATH ?? '').split(':')]) {
    if (dir && existsSync(join(dir, 'nginx'))) return join(dir, 'nginx');
  }
  return null;
}

/** A free loopback port (closed again right away; nginx takes it a moment later). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

function replaceOnce(text: string, from: string, to: string): string {
  const n = text.split(from).length - 1;
  if (n !== 1) throw new Error(`deploy/nginx.conf: expected exactly one ${JSON.stringify(from)}, found ${n}; update the test's rewrite`);
  return text.replace(from, to);
}

export interface DeriveOptions {
  dir: string;
  upstreamPort: number;
  httpPort: number;
  httpsPort: number;
  cert: string;
  key: string;
}

/**
 * The deployed config with only what must differ in a test rewritten: ports, upstream, cert and
 * log paths, and temp paths inside `dir`. Every location block is used exactly as shipped.
 */
export function deriveConfig(conf: string, o: DeriveOptions): string {
  let out = conf;
  out = replaceOnce(out, 'server 127.0.0.1:3000;', `server 127.0.0.1:${o.upstreamPort};`);
  out = replaceOnce(out, 'listen 80;', `listen 127.0.0.1:${o.httpPort};`);
  out = replaceOnce(out, 'listen 443 ssl http2;', `listen 127.0.0.1:${o.httpsPort} ssl http2;`);
  out = replaceOnce(out, 'ssl_certificate /etc/quizforge/tls/fullchain.pem;', `ssl_certificate ${o.cert};`);
  out = replaceOnce(out, 'ssl_certificate_key /etc/quizforge/tls/privkey.pem;', `ssl_certificate_key ${o.key};`);
  out = replaceOnce(out, 'pid /run/quizforge-nginx.pid;', `pid ${join(o.dir, 'nginx.pid')};`);
  out = replaceOnce(out, 'error_log /var/log/nginx/quizforge.error.log warn;', `error_log ${join(o.dir, 'error.log')} info;`);
  out = replaceOnce(out, 'access_log /var/log/nginx/quizforge.access.log;', `access_log ${join(o.dir, 'access.log')};`);
  out = replaceOnce(out, 'worker_processes auto;', 'worker_processes 1;');
  const temps = ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']
    .map((t) => `    ${t}_temp_path ${join(o.dir, 'tmp', t)};`)
    .join('\n');
  out = replaceOnce(out, 'http {\n', `http {\n${temps}\n`);
  return out;
}

export interface RunningNginx {
  dir: string;
  httpsPort: number;
  httpPort: number;
  /** PEM of the throwaway self-signed certificate, to trust it in the client. */
  ca: string;
  errorLog(): Promise<string>;
  stop(): Promise<void>;
}

async function waitForPort(port: number, proc: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`nginx exited with code ${proc.exitCode}`);
    const ok = await new Promise<boolean>((resolve) => {
      const s = connect(port, '127.0.0.1');
      s.once('connect', () => (s.destroy(), resolve(true)));
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`nginx did not listen on ${port} within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * Starts Debian's nginx with the derived config in front of `upstreamPort`, with a throwaway
 * self-signed certificate for 127.0.0.1 made by openssl in a temp dir. `rewrite` changes the
 * derived config further (a test of a misconfigured proxy).
 */
export async function startNginx(nginx: string, upstreamPort: number, rewrite: (conf: string) => string = (c) => c): Promise<RunningNginx> {
  const dir = await mkdtemp(join(tmpdir(), 'qf-nginx-'));
  // Worker processes drop to `nobody` when started as root: they must reach the temp dirs.
  await chmod(dir, 0o755);
  for (const t of ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']) {
    await mkdir(join(dir, 'tmp', t), { recursive: true, mode: 0o777 });
    await chmod(join(dir, 'tmp', t), 0o777);
  }
  const cert = join(dir, 'cert.pem');
  const key = join(dir, 'key.pem');
  await run('openssl', [
    'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1',
    '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', key, '-out', cert,
  ]);
  const [httpPort, httpsPort] = [await freePort(), await freePort()];
  const conf = rewrite(deriveConfig(await readFile(DEPLOY_CONF, 'utf8'), { dir, upstreamPort, httpPort, httpsPort, cert, key }));
  const confPath = join(dir, 'nginx.conf');
  await writeFile(confPath, conf);
  await run(nginx, ['-t', '-q', '-p', dir, '-c', confPath]);
  const proc = spawn(nginx, ['-p', dir, '-c', confPath, '-g', 'daemon off;'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  proc.stderr?.on('data', (b: Buffer) => (stderr += b.toString()));
  try {
    await waitForPort(httpsPort, proc, 10_000);
  } catch (err) {
    proc.kill('SIGKILL');
    throw new Error(`${String(err)}\n${stderr}`);
  }
  return {
    dir,
    httpPort,
    httpsPort,
    ca: await readFile(cert, 'utf8'),
    errorLog: () => readFile(join(dir, 'error.log'), 'utf8').catch(() => ''),
    async stop() {
      if (proc.exitCode === null) {
        const exited = new Promise((r) => proc.once('exit', r));
        proc.kill('SIGTERM');
        await Promise.race([exited, new Promise((r) => setTimeout(r, 5_000))]);
        if (proc.exitCode === null) proc.kill('SIGKILL');
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}
