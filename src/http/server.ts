import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createAdaptorServer, type Http2Bindings, type HttpBindings } from '@hono/node-server';
import type { Logger } from '../log.js';
import type { QuizforgeApp } from './app.js';

export const DEFAULT_HOST = '127.0.0.1';
export const DEFAULT_PORT = 3000;

/** Loopback literals and names; anything else might be reachable from another machine. */
export function isLoopback(host: string): boolean {
  const h = host.trim().toLowerCase().replace(/^\[|\]$/g, '');
  if (h === 'localhost' || h === '::1' || h === '0:0:0:0:0:0:0:1') return true;
  const v4 = h.startsWith('::ffff:') ? h.slice(7) : h;
  return /^127(?:\.(?:25[0-5]|2[0-4]\d|1?\d?\d)){3}$/.test(v4);
}

export type BindCheck = { ok: true; warning: string | null } | { ok: false; error: string };

/**
 * The one rule that keeps an unauthenticated service private: without keys it may only listen on
 * loopback. Pure, so the refusal is tested without opening sockets.
 */
export function checkBind(host: string, authEnabled: boolean): BindCheck {
  if (authEnabled) return { ok: true, warning: null };
  if (isLoopback(host)) {
    return { ok: true, warning: `no API keys configured: the API is unauthenticated and only listens on ${host}` };
  }
  return {
    ok: false,
    error:
      `refusing to listen on ${host || '(all interfaces)'} without API keys: anyone who can reach it could use the API. ` +
      'Set QUIZFORGE_API_KEYS (and QUIZFORGE_ADMIN_KEYS), or bind to 127.0.0.1.',
  };
}

export interface ServerOptions {
  app: QuizforgeApp;
  logger: Logger;
  /** Default 127.0.0.1; `serve` passes `HOST` from loadConfig. */
  host?: string;
  /** Default 3000 (`serve` passes `PORT`); 0 picks a free port (tests). */
  port?: number;
  /** How long `close()` lets in-flight requests finish before cutting connections. Default 5 s. */
  shutdownGraceMs?: number;
}

export interface RunningServer {
  url: string;
  host: string;
  port: number;
  server: Server;
  /** Ends SSE streams, stops accepting, lets in-flight requests finish (bounded), then resolves. */
  close(): Promise<void>;
}

/** True when the request announced a body (by length or chunked framing). */
function hasBody(req: IncomingMessage): boolean {
  const length = req.headers['content-length'];
  if (length !== undefined) return length !== '0';
  return req.headers['transfer-encoding'] !== undefined;
}

/**
 * An early refusal (413, 401, 404, 405...) answers before the request body is read. Leaving that
 * connection "keep-alive" is a lie: the unread rest of the body would have to be drained, and
 * `@hono/node-server` gives up on a drain after 500 ms and destroys the socket under the client's
 * next request (`UND_ERR_SOCKET` in Node's fetch). So when the response starts while the body is
 * still unread, it says `Connection: close` and Node closes the connection once it is sent; the
 * client opens a fresh one for its next request. Responses to fully read bodies stay keep-alive.
 */
function closeIfBodyUnread(req: IncomingMessage, res: ServerResponse): void {
  if (!hasBody(req)) return;
  const writeHead = res.writeHead.bind(res) as (...args: unknown[]) => ServerResponse;
  res.writeHead = ((...args: unknown[]) => {
    if (!req.complete && !res.headersSent) res.setHeader('Connection', 'close');
    return writeHead(...args);
  }) as typeof res.writeHead;
}

/** Serves the app on Node after the bind check; resolves once listening, rejects on a refused bind. */
export async function startServer(opts: ServerOptions): Promise<RunningServer> {
  const host = opts.host ?? DEFAULT_HOST;
  const port = opts.port ?? DEFAULT_PORT;
  const check = checkBind(host, opts.app.authEnabled);
  if (!check.ok) throw new Error(check.error);
  const log = opts.logger.child({ component: 'http' });
  if (check.warning) log.warn(check.warning);

  const app = opts.app;
  const server = createAdaptorServer({
    fetch: (req: Request, env: HttpBindings | Http2Bindings) => {
      // This server is HTTP/1.1 only (createAdaptorServer without `createServer`).
      closeIfBodyUnread(env.incoming as IncomingMessage, env.outgoing as ServerResponse);
      return app.fetch(req, env);
    },
    hostname: host,
  }) as Server;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  server.on('error', (err) => log.error({ err }, 'http server error'));
  const address = server.address() as AddressInfo;
  const shown = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const url = `http://${shown}:${address.port}`;
  log.info({ url, auth: opts.app.authEnabled }, 'listening');

  // In-flight requests, so shutdown can cut idle (or never-used) keep-alive sockets as soon as
  // the last response is done instead of waiting out their timeouts.
  let inFlight = 0;
  let onDrained: (() => void) | null = null;
  server.on('request', (_req, res) => {
    inFlight++;
    res.once('close', () => {
      inFlight--;
      if (inFlight === 0) onDrained?.();
    });
  });

  let closing: Promise<void> | null = null;
  const close = () =>
    (closing ??= (async () => {
      await opts.app.hub.close();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      const drained = new Promise<void>((resolve) => {
        onDrained = resolve;
        if (inFlight === 0) resolve();
      });
      let grace: NodeJS.Timeout | undefined;
      const timeout = new Promise<void>((resolve) => {
        grace = setTimeout(resolve, opts.shutdownGraceMs ?? 5000);
        grace.unref();
      });
      await Promise.race([drained, timeout]);
      clearTimeout(grace);
      server.closeAllConnections();
      await closed;
    })());
  return { url, host, port: address.port, server, close };
}
