import { lookup } from 'node:dns/promises';
import { connect as netConnect } from 'node:net';
import { connect as tlsConnect } from 'node:tls';

/** One step of following a request to the model endpoint, with the fix to try when it fails. */
export type EndpointStep = { name: 'dns' | 'tcp' | 'tls' | 'http_auth'; ok: boolean; detail: string; fix?: string };

const STEP_TIMEOUT_MS = 5_000;

/**
 * DNS → TCP → TLS (https only) → an authenticated `GET {base}/models`, stopping at the first step
 * that fails. A 401/403 fails authentication; any other HTTP answer shows the key was accepted or
 * not checked (many local servers have no /models, which is fine).
 */
export async function checkEndpoint(baseURL: string, apiKey: string, timeoutMs = STEP_TIMEOUT_MS): Promise<EndpointStep[]> {
  const url = new URL(baseURL);
  const https = url.protocol === 'https:';
  const port = Number(url.port || (https ? 443 : 80));
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const steps: EndpointStep[] = [];
  try {
    const { address } = await lookup(host);
    steps.push({ name: 'dns', ok: true, detail: `${host} → ${address}` });
  } catch (err) {
    steps.push({ name: 'dns', ok: false, detail: `${host}: ${message(err)}`, fix: 'check the host name in OPENAI_BASE_URL and the DNS resolver' });
    return steps;
  }
  const tcp = await attempt(timeoutMs, (done) => {
    const s = netConnect({ host, port }, () => done(null, s));
    s.once('error', (e) => done(e));
    return () => s.destroy();
  });
  steps.push(
    tcp === null
      ? { name: 'tcp', ok: true, detail: `connected to ${host}:${port}` }
      : { name: 'tcp', ok: false, detail: `${host}:${port}: ${tcp}`, fix: 'is the server running and listening on that port? a firewall?' },
  );
  if (tcp !== null) return steps;
  if (https) {
    const tls = await attempt(timeoutMs, (done) => {
      const s = tlsConnect({ host, port, servername: host }, () => done(null, s));
      s.once('error', (e) => done(e));
      return () => s.destroy();
    });
    steps.push(
      tls === null
        ? { name: 'tls', ok: true, detail: 'certificate verified' }
        : { name: 'tls', ok: false, detail: tls, fix: 'the certificate is not trusted: fix it, or set NODE_EXTRA_CA_CERTS to its CA' },
    );
    if (tls !== null) return steps;
  }
  try {
    const res = await fetch(`${baseURL.replace(/\/$/, '')}/models`, {
      headers: { authorization: `Bearer ${apiKey}` },
      signal: AbortSignal.timeout(timeoutMs),
    });
    await res.body?.cancel();
    const auth = res.status === 401 || res.status === 403;
    steps.push({
      name: 'http_auth',
      ok: !auth,
      detail: `GET /models → ${res.status}`,
      ...(auth ? { fix: 'the server refused the key: check OPENAI_API_KEY' } : {}),
    });
  } catch (err) {
    steps.push({ name: 'http_auth', ok: false, detail: message(err), fix: 'the server accepted a connection but no HTTP answer came' });
  }
  return steps;
}

type Done = (err: Error | null, socket?: { destroy(): void }) => void;

/** Runs one connect attempt; resolves null on success, else the reason. */
function attempt(timeoutMs: number, start: (done: Done) => () => void): Promise<string | null> {
  return new Promise((resolve) => {
    let stop: () => void = () => undefined;
    const timer = setTimeout(() => {
      stop();
      resolve(`no answer within ${timeoutMs} ms`);
    }, timeoutMs);
    stop = start((err, socket) => {
      clearTimeout(timer);
      socket?.destroy();
      stop();
      resolve(err === null ? null : message(err));
    });
  });
}

function message(err: unknown): string {
  if (err instanceof Error) {
    const code = (err as { code?: unknown }).code;
    const cause = err.cause instanceof Error ? `: ${err.cause.message}` : '';
    return `${typeof code === 'string' ? `${code} ` : ''}${err.message}${cause}`;
  }
  return String(err);
}
