import type { Hono } from 'hono';
import { BATCH_ID_PATTERN, SourceListQuerySchema, SourceTextBodySchema } from '../../../schemas/api.js';
import { requestScope } from '../auth.js';
import type { AppEnv } from '../env.js';
import { ApiError, notFound } from '../errors.js';
import type { SourceApi } from '../deps.js';
import { readJson, readQuery } from '../validate.js';

/** Largest `POST /v1/sources` body: a 20 MiB file plus its multipart framing. */
export const SOURCE_BODY_LIMIT_BYTES = 20 * 1024 * 1024 + 64 * 1024;

function isMultipart(contentType: string | undefined): boolean {
  return (contentType ?? '').toLowerCase().startsWith('multipart/form-data');
}

/** Sources: store a document once (JSON text or a multipart file), read one, list them. */
export function registerSourceRoutes(app: Hono<AppEnv>, sources: SourceApi): void {
  app.post('/v1/sources', async (c) => {
    let result;
    if (isMultipart(c.req.header('Content-Type'))) {
      let body: Record<string, unknown>;
      try {
        body = await c.req.parseBody();
      } catch {
        throw new ApiError(400, 'bad_request', 'multipart body cannot be parsed');
      }
      const file = body.file;
      if (!(file instanceof File)) {
        throw new ApiError(422, 'validation_failed', 'request does not match the schema', [{ path: 'file', message: 'a file part named "file" is required' }]);
      }
      const title = typeof body.title === 'string' && body.title.trim() !== '' ? body.title.trim().slice(0, 200) : undefined;
      result = await sources.addFile({
        bytes: new Uint8Array(await file.arrayBuffer()),
        mediaType: file.type === '' ? null : file.type,
        fileName: file.name === '' ? null : file.name,
        title,
      }, requestScope(c));
    } else {
      const { title, text } = await readJson(c, SourceTextBodySchema);
      result = await sources.addText({ title, text }, requestScope(c));
    }
    c.header('Location', `/v1/sources/${encodeURIComponent(result.source.id)}`);
    return c.json(result.source, result.created ? 201 : 200);
  });

  app.get('/v1/sources', async (c) => {
    const { limit } = readQuery(c, SourceListQuerySchema);
    return c.json({ items: await sources.list(limit, requestScope(c)), nextCursor: null });
  });

  app.get('/v1/sources/:id', async (c) => {
    const id = c.req.param('id');
    if (!BATCH_ID_PATTERN.test(id)) throw notFound('source');
    const source = await sources.get(id, requestScope(c));
    if (!source) throw notFound('source');
    return c.json(source);
  });
}
