import type { Hono } from 'hono';
import { z } from 'zod';
import { ExportQuerySchema } from '../../../schemas/export.js';
import { ExportQuestionSchema, renderExport, UnsupportedQuestionTypesError, type ExportFile } from '../../export/index.js';
import type { QuizApi } from '../deps.js';
import type { TenantScope } from '../../accounts/index.js';
import { requestScope } from '../auth.js';
import type { AppEnv } from '../env.js';
import { ApiError, notFound } from '../errors.js';
import { batchIdParam, readQuery } from '../validate.js';

/** The parts of a batch view an export reads; the view itself is the service's. */
const ExportableBatchSchema = z.object({
  id: z.string(),
  status: z.string(),
  request: z.object({ topic: z.string().optional(), language: z.string().optional() }),
  questions: z.array(ExportQuestionSchema).nullable(),
});

/** `attachment` with the ASCII file name made from the topic (no quoting problems by construction). */
export function contentDisposition(fileName: string): string {
  return `attachment; filename="${fileName}"`;
}

/**
 * Renders a batch in one format, or refuses: unknown batch 404, not yet (or no longer) succeeded
 * 409 naming the status, a format that cannot hold the batch's question types 422 naming them.
 */
export async function exportBatch(
  quiz: QuizApi,
  id: string,
  format: z.output<typeof ExportQuerySchema>['format'],
  scope: TenantScope,
): Promise<ExportFile> {
  const view = await quiz.get(id, scope);
  if (!view) throw notFound('batch');
  const batch = ExportableBatchSchema.parse(view);
  if (batch.status !== 'succeeded' || batch.questions === null) {
    throw new ApiError(409, 'conflict', `batch ${batch.id} is ${batch.status}; only a succeeded batch can be exported`);
  }
  try {
    return renderExport(
      { id: batch.id, topic: batch.request.topic ?? '', language: batch.request.language ?? 'en', questions: batch.questions },
      format,
    );
  } catch (err) {
    if (err instanceof UnsupportedQuestionTypesError) {
      throw new ApiError(422, 'validation_failed', err.message, [{ path: 'format', message: err.message }]);
    }
    throw err;
  }
}

/** `GET /v1/batches/:id/export?format=F`: the file, as a download. */
export function registerExportRoutes(app: Hono<AppEnv>, deps: { quiz: QuizApi }): void {
  app.get('/v1/batches/:id/export', async (c) => {
    const id = batchIdParam(c);
    const { format } = readQuery(c, ExportQuerySchema);
    const file = await exportBatch(deps.quiz, id, format, requestScope(c));
    c.header('Content-Type', file.contentType);
    c.header('Content-Disposition', contentDisposition(file.fileName));
    c.header('Cache-Control', 'no-store');
    c.header('X-Content-Type-Options', 'nosniff');
    return c.body(typeof file.body === 'string' ? file.body : new Uint8Array(file.body));
  });
}
