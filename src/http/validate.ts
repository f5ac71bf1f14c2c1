import type { Context } from 'hono';
import type { z } from 'zod';
import { BATCH_ID_PATTERN, JOB_ID_PATTERN } from '../../schemas/api.js';
import { ApiError, notFound, toIssues } from './errors.js';

/**
 * Input validation in one place, so every route refuses alike: malformed syntax is 400
 * `bad_request`; well-formed input that breaks the contract is 422 `validation_failed` with
 * issues naming each field.
 */

function failed(error: z.ZodError, prefix: (string | number)[] = []): ApiError {
  return new ApiError(422, 'validation_failed', 'request does not match the schema', toIssues(error, prefix));
}

/**
 * Reads the body as JSON and parses it with `schema`. An empty body counts as `emptyAs` (for
 * endpoints whose body is optional) or is refused. The Content-Type is not policed: `curl -d`
 * sends a form type for a JSON body, and the body itself decides (malformed is 400).
 */
export async function readJson<S extends z.ZodType>(c: Context, schema: S, opts: { emptyAs?: unknown } = {}): Promise<z.output<S>> {
  const text = await c.req.text();
  let value: unknown;
  if (text.trim() === '') {
    if (!('emptyAs' in opts)) throw new ApiError(400, 'bad_request', 'request body must be a JSON document');
    value = opts.emptyAs;
  } else {
    try {
      value = JSON.parse(text);
    } catch {
      throw new ApiError(400, 'bad_request', 'request body is not valid JSON');
    }
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw failed(parsed.error);
  return parsed.data;
}

/** Parses the query string (first value of each name) with `schema`. */
export function readQuery<S extends z.ZodType>(c: Context, schema: S): z.output<S> {
  const parsed = schema.safeParse(c.req.query());
  if (!parsed.success) throw failed(parsed.error);
  return parsed.data;
}

/** Parses one request header with `schema`; the issue path is the header's name. */
export function readHeader<S extends z.ZodType>(c: Context, name: string, schema: S): z.output<S> | undefined {
  const raw = c.req.header(name);
  if (raw === undefined) return undefined;
  const parsed = schema.safeParse(raw);
  if (!parsed.success) throw failed(parsed.error, [name]);
  return parsed.data;
}

/** A DLQ id that cannot be a job id is simply not there (404), never a database error. */
export function jobIdParam(c: Context, name = 'id'): number {
  const raw = c.req.param(name) ?? '';
  if (!JOB_ID_PATTERN.test(raw)) throw notFound('dead job');
  const id = Number(raw);
  if (!Number.isSafeInteger(id)) throw notFound('dead job');
  return id;
}

/** A batch id outside the id alphabet cannot exist: 404 without a query. */
export function batchIdParam(c: Context, name = 'id'): string {
  const raw = c.req.param(name) ?? '';
  if (!BATCH_ID_PATTERN.test(raw)) throw notFound('batch');
  return raw;
}
