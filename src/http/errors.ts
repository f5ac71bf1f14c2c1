import type { Context, ErrorHandler, NotFoundHandler } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { z } from 'zod';
import type { ErrorCode, ErrorEnvelope, ErrorIssue } from '../../schemas/api.js';
import type { AppEnv } from './env.js';

/**
 * The one way a route or middleware refuses a request: thrown, caught by `onError`, rendered as
 * the error envelope. Keeps status, code and message together so they cannot disagree.
 */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly status: ContentfulStatusCode,
    readonly code: ErrorCode,
    message: string,
    readonly issues?: ErrorIssue[],
    readonly headers?: Record<string, string>,
  ) {
    super(message);
  }
}

/** Unknown ids and non-existent routes look the same to a client: nothing here. */
export function notFound(what = 'resource'): ApiError {
  return new ApiError(404, 'not_found', `${what} not found`);
}

/** Builds the envelope body; exported so pages and tests share the exact shape. */
export function envelope(code: ErrorCode, message: string, issues?: ErrorIssue[]): ErrorEnvelope {
  return { error: issues && issues.length > 0 ? { code, message, issues } : { code, message } };
}

/** Turns Zod issues into envelope issues that name the field, with one issue per unknown key. */
export function toIssues(error: z.ZodError, prefix: readonly (string | number)[] = []): ErrorIssue[] {
  const out: ErrorIssue[] = [];
  for (const issue of error.issues) {
    const base = [...prefix, ...issue.path.map((p) => (typeof p === 'symbol' ? String(p.description) : p))];
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) out.push({ path: [...base, key].join('.'), message: 'unknown field' });
    } else {
      out.push({ path: base.join('.'), message: issue.message });
    }
  }
  return out;
}

function render(c: Context, err: ApiError): Response {
  if (err.headers) for (const [k, v] of Object.entries(err.headers)) c.header(k, v);
  return c.json(envelope(err.code, err.message, err.issues), err.status);
}

/** Maps hono's own exceptions (body limit, malformed input it parsed) onto the envelope. */
function fromHttpException(err: HTTPException): ApiError {
  const status = err.status;
  if (status === 413) return new ApiError(413, 'payload_too_large', 'request body too large');
  if (status === 401) return new ApiError(401, 'unauthorized', 'authentication required', undefined, { 'WWW-Authenticate': 'Bearer' });
  if (status === 404) return notFound();
  if (status >= 400 && status < 500) return new ApiError(status, 'bad_request', 'bad request');
  return new ApiError(500, 'internal', 'internal error');
}

/**
 * The single error boundary. Expected refusals render as themselves; anything else is a genuine
 * fault: logged with the request id and answered with a generic 500 that leaks nothing.
 */
export function createErrorHandler(domainErrors: (err: unknown) => ApiError | null): ErrorHandler<AppEnv> {
  return (err, c) => {
    let apiError: ApiError | null = null;
    if (err instanceof ApiError) apiError = err;
    else if (err instanceof HTTPException) apiError = fromHttpException(err);
    else apiError = domainErrors(err);
    if (apiError) {
      if (apiError.status >= 500) c.var.log?.error({ err }, 'request failed');
      return render(c, apiError);
    }
    c.var.log?.error({ err }, 'unhandled error');
    return render(c, new ApiError(500, 'internal', `internal error (request id ${c.var.requestId ?? 'unknown'})`));
  };
}

/** Unknown routes get the same envelope as unknown ids. */
export const notFoundHandler: NotFoundHandler<AppEnv> = (c) => render(c, notFound('route'));

/** Answer for a known path with an unsupported method, naming the ones it supports. */
export function methodNotAllowed(allow: readonly string[]): ApiError {
  return new ApiError(405, 'method_not_allowed', `method not allowed; use ${allow.join(', ')}`, undefined, {
    Allow: allow.join(', '),
  });
}
