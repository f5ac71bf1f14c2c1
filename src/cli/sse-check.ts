/** One doctor line about the event stream seen through the public URL. */
export type SseStep = { name: 'sse headers' | 'sse keep-alive'; ok: boolean; detail: string; fix?: string };

export interface SseCheckOptions {
  /** The URL clients use (through every proxy), e.g. `https://quiz.example.com`; a path prefix is kept. */
  publicUrl: string;
  /** Sent as `Authorization: Bearer` when the service has keys. */
  apiKey?: string | undefined;
  /** How long to wait for the first `: keep-alive` comment (the service sends one every 15 s). */
  keepAliveWaitMs: number;
  /** Response headers later than this mean something holds the response. */
  headersWaitMs?: number;
}

const BUFFERING_FIX =
  'a proxy between here and the service buffers the stream: in nginx set `proxy_buffering off` in the ' +
  'SSE location and do not `proxy_ignore_headers X-Accel-Buffering` (the service sends `X-Accel-Buffering: no`); ' +
  'behind another proxy or CDN turn off response buffering for text/event-stream (see deploy/nginx.conf)';

/**
 * Opens `GET {publicUrl}/v1/events` the way a client does and times what comes back: the headers
 * must arrive at once and a keep-alive comment within the wait. A buffering proxy passes the first
 * check (nginx forwards headers) and fails the second, since a few keep-alives never fill its buffer.
 */
export async function checkSseThroughProxy(opts: SseCheckOptions): Promise<SseStep[]> {
  const url = `${opts.publicUrl.replace(/\/+$/, '')}/v1/events`;
  const headersWaitMs = Math.min(opts.headersWaitMs ?? 3_000, opts.keepAliveWaitMs);
  const abort = new AbortController();
  const started = Date.now();
  const headersTimer = setTimeout(() => abort.abort(), headersWaitMs);
  let res: Response;
  try {
    res = await fetch(url, {
      headers: { accept: 'text/event-stream', ...(opts.apiKey ? { authorization: `Bearer ${opts.apiKey}` } : {}) },
      signal: abort.signal,
    });
  } catch (err) {
    const held = abort.signal.aborted;
    return [
      {
        name: 'sse headers',
        ok: false,
        detail: held ? `GET ${url}: no response headers within ${headersWaitMs} ms` : `GET ${url}: ${message(err)}`,
        fix: held ? BUFFERING_FIX : 'check QUIZFORGE_PUBLIC_URL (the address clients use) and that the proxy forwards to the service',
      },
    ];
  } finally {
    clearTimeout(headersTimer);
  }
  const headersMs = Date.now() - started;
  const type = res.headers.get('content-type') ?? '';
  if (res.status !== 200 || !type.startsWith('text/event-stream')) {
    abort.abort();
    const auth = res.status === 401 || res.status === 403;
    return [
      {
        name: 'sse headers',
        ok: false,
        detail: `GET ${url} → ${res.status} ${type || '(no content-type)'}`,
        fix: auth
          ? 'the service refused the key: doctor sends the first of QUIZFORGE_API_KEYS (or QUIZFORGE_ADMIN_KEYS)'
          : 'QUIZFORGE_PUBLIC_URL must reach this service: check the proxy routes /v1/events to it',
      },
    ];
  }
  const steps: SseStep[] = [{ name: 'sse headers', ok: true, detail: `GET ${url} → 200 text/event-stream in ${headersMs} ms` }];
  const seen = await waitForKeepAlive(res, opts.keepAliveWaitMs, abort);
  steps.push(
    seen.at !== null
      ? { name: 'sse keep-alive', ok: true, detail: `first keep-alive ${seen.at - started} ms after the request` }
      : {
          name: 'sse keep-alive',
          ok: false,
          detail: `no keep-alive within ${opts.keepAliveWaitMs} ms (${seen.bytes} bytes of the stream arrived)${seen.error ? `: ${seen.error}` : ''}`,
          fix: BUFFERING_FIX,
        },
  );
  return steps;
}

/** Reads the body until a `: keep-alive` comment arrives or the wait ends; never throws. */
async function waitForKeepAlive(
  res: Response,
  waitMs: number,
  abort: AbortController,
): Promise<{ at: number | null; bytes: number; error?: string }> {
  const reader = res.body?.getReader();
  if (!reader) return { at: null, bytes: 0, error: 'empty body' };
  const decoder = new TextDecoder();
  let text = '';
  let bytes = 0;
  const timer = setTimeout(() => abort.abort(), waitMs);
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return { at: null, bytes, error: 'the stream ended' };
      bytes += value.byteLength;
      text += decoder.decode(value, { stream: true });
      if (/(^|\n): ?keep-alive\n/.test(text)) return { at: Date.now(), bytes };
    }
  } catch (err) {
    return abort.signal.aborted ? { at: null, bytes } : { at: null, bytes, error: message(err) };
  } finally {
    clearTimeout(timer);
    abort.abort();
    await reader.cancel().catch(() => undefined);
  }
}

function message(err: unknown): string {
  if (err instanceof Error) return err.cause instanceof Error ? `${err.message}: ${err.cause.message}` : err.message;
  return String(err);
}
