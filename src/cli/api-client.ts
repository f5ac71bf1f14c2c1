/**
 * The CLI's HTTP client for a running quizforge service: `QUIZFORGE_URL` (default
 * http://127.0.0.1:3000) with `QUIZFORGE_API_KEY` as a Bearer token.
 */
export interface ApiClientOptions {
  baseUrl: string;
  apiKey: string | undefined;
  /** Longest wait for one response; default DEFAULT_API_TIMEOUT_MS. */
  timeoutMs?: number;
}

export const DEFAULT_API_TIMEOUT_MS = 30_000;

export type ApiResponse = { ok: true; status: number; body: unknown; headers: Headers } | { ok: false; status: number; body: unknown; message: string };

export function apiOptionsFromEnv(env: NodeJS.ProcessEnv): ApiClientOptions {
  const baseUrl = (env.QUIZFORGE_URL ?? 'http://127.0.0.1:3000').replace(/\/+$/, '');
  const apiKey = env.QUIZFORGE_API_KEY && env.QUIZFORGE_API_KEY.trim() !== '' ? env.QUIZFORGE_API_KEY.trim() : undefined;
  return { baseUrl, apiKey };
}

export function authHeaders(opts: ApiClientOptions): Record<string, string> {
  return opts.apiKey ? { authorization: `Bearer ${opts.apiKey}` } : {};
}

/** One request, bounded by `timeoutMs`; a network failure, a timeout or an error envelope becomes `{ ok: false, message }`, never a throw. */
export async function apiRequest(
  opts: ApiClientOptions,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<ApiResponse> {
  const timeoutMs = opts.timeoutMs ?? DEFAULT_API_TIMEOUT_MS;
  let res: Response;
  let text: string;
  try {
    res = await fetch(`${opts.baseUrl}${path}`, {
      method,
      headers: {
        accept: 'application/json',
        ...(body === undefined || body instanceof FormData ? {} : { 'content-type': 'application/json' }),
        ...authHeaders(opts),
        ...headers,
      },
      // A FormData body (a file upload) sets its own multipart content type.
      body: body === undefined ? null : body instanceof FormData ? body : JSON.stringify(body),
      signal: AbortSignal.timeout(timeoutMs),
    });
    text = await res.text();
  } catch (err) {
    if (err instanceof Error && err.name === 'TimeoutError') {
      return { ok: false, status: 0, body: null, message: `no answer from ${opts.baseUrl} within ${timeoutMs} ms` };
    }
    const cause = err instanceof Error && err.cause instanceof Error ? `: ${err.cause.message}` : '';
    return { ok: false, status: 0, body: null, message: `cannot reach ${opts.baseUrl}${cause}` };
  }
  let parsed: unknown = text;
  try {
    parsed = text === '' ? null : JSON.parse(text);
  } catch {
    // keep the text
  }
  if (res.ok) return { ok: true, status: res.status, body: parsed, headers: res.headers };
  return { ok: false, status: res.status, body: parsed, message: errorMessage(res.status, parsed) };
}

export type DownloadResponse = { ok: true; bytes: Uint8Array; headers: Headers } | { ok: false; status: number; message: string };

/** A GET whose success body is a file (any media type, binary safe); errors read like `apiRequest`'s. */
export async function apiDownload(opts: ApiClientOptions, path: string): Promise<DownloadResponse> {
  let res: Response;
  try {
    res = await fetch(`${opts.baseUrl}${path}`, { headers: authHeaders(opts) });
  } catch (err) {
    const cause = err instanceof Error && err.cause instanceof Error ? `: ${err.cause.message}` : '';
    return { ok: false, status: 0, message: `cannot reach ${opts.baseUrl}${cause}` };
  }
  if (res.ok) return { ok: true, bytes: new Uint8Array(await res.arrayBuffer()), headers: res.headers };
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // keep the text
  }
  return { ok: false, status: res.status, message: errorMessage(res.status, parsed) };
}

function errorMessage(status: number, body: unknown): string {
  if (body && typeof body === 'object' && 'error' in body) {
    const e = (body as { error: unknown }).error;
    if (e && typeof e === 'object') {
      const { code, message, issues } = e as { code?: unknown; message?: unknown; issues?: unknown };
      const parts = [`HTTP ${status}`, typeof code === 'string' ? code : null, typeof message === 'string' ? message : null];
      let out = parts.filter(Boolean).join(' ');
      if (Array.isArray(issues)) {
        for (const i of issues) {
          if (i && typeof i === 'object') {
            const { path, message: m } = i as { path?: unknown; message?: unknown };
            out += `\n  ${String(path)}: ${String(m)}`;
          }
        }
      }
      return out;
    }
  }
  return `HTTP ${status}`;
}
