import type { Hono } from 'hono';
import { BATCH_ID_PATTERN } from '../../../schemas/api.js';
import { BatchRequestSchema } from '../../../schemas/batch-request.js';
import { toIssues } from '../errors.js';
import type { AppEnv } from '../env.js';
import { NewBatchPage, formToRequest, type FieldErrors } from './batch-new.js';
import { BatchPage, PageBatchSchema } from './batch-view.js';
import type { PagesQuiz } from './deps.js';
import { hasSession } from './guard.js';
import { Layout } from './layout.js';

/**
 * `/batches/new` and `/batches/:id`. The form is parsed with the API's own `BatchRequestSchema`
 * and submitted through the same service call as `POST /v1/batches`, so the page can neither
 * accept what the API refuses nor word a refusal differently (the issues are the API's).
 */
export function registerBatchPages(app: Hono<AppEnv>, quiz: PagesQuiz): void {
  app.get('/batches/new', (c) => c.html(<NewBatchPage values={{}} errors={{}} canLogOut={hasSession(c)} />));

  app.post('/batches/new', async (c) => {
    const form = await c.req.parseBody().catch(() => ({}) as Record<string, unknown>);
    const { values, body } = formToRequest(form);
    const parsed = BatchRequestSchema.safeParse(body);
    if (!parsed.success) {
      const errors: FieldErrors = {};
      const unplaced: string[] = [];
      for (const issue of toIssues(parsed.error)) {
        const field = issue.path.split('.')[0] ?? '';
        if (field in values || field in BatchRequestSchema.shape) errors[field] ??= issue.message;
        else unplaced.push(`${issue.path}: ${issue.message}`);
      }
      const formError = unplaced.length > 0 ? unplaced.join('; ') : 'Please correct the fields marked below.';
      return c.html(<NewBatchPage values={values} errors={errors} formError={formError} canLogOut={hasSession(c)} />, 422);
    }
    const { batch } = await quiz.submit(parsed.data, {});
    return c.redirect(`/batches/${encodeURIComponent(batch.id)}`, 303);
  });

  app.get('/batches/:id', async (c) => {
    const id = c.req.param('id');
    const view = BATCH_ID_PATTERN.test(id) ? await quiz.get(id) : null;
    if (!view) {
      return c.html(
        <Layout title="Not found" nav="dashboard" canLogOut={hasSession(c)}>
          <h1>No such batch</h1>
          <p>
            {`No batch has the id “${id.slice(0, 40)}”.`} <a href="/">Back to the dashboard</a>.
          </p>
        </Layout>,
        404,
      );
    }
    return c.html(<BatchPage batch={PageBatchSchema.parse(view)} canLogOut={hasSession(c)} />);
  });
}
