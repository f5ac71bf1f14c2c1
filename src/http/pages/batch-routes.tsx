import type { Context, Hono } from 'hono';
import { BATCH_ID_PATTERN } from '../../../schemas/api.js';
import { BatchRequestSchema } from '../../../schemas/batch-request.js';
import { BatchFinishedError, SourceRejectedError } from '../../quiz/errors.js';
import { mapDomainError } from '../domain-errors.js';
import { toIssues } from '../errors.js';
import type { AppEnv } from '../env.js';
import { NewBatchPage, formToRequest, type FieldErrors, type FormValues } from './batch-new.js';
import { BatchPage, PageBatchSchema } from './batch-view.js';
import type { PagesQuiz } from './deps.js';
import { hasSession, pageTenant } from './guard.js';
import { Layout } from './layout.js';

/** Stands in for the upload's source id while the other fields are checked, before it is stored. */
const PENDING_SOURCE = 'pending-upload';

/** The form's file part, or null when the file field was left empty (browsers still send a nameless, empty part). */
function uploadedFile(part: unknown): File | null {
  if (!(part instanceof File)) return null;
  return part.size === 0 && part.name === '' ? null : part;
}

/**
 * `/batches/new` and `/batches/:id`. The form is parsed with the API's own `BatchRequestSchema`
 * and submitted through the same service call as `POST /v1/batches`, so the page can neither
 * accept what the API refuses nor word a refusal differently (the issues are the API's).
 */
export function registerBatchPages(app: Hono<AppEnv>, quiz: PagesQuiz): void {
  const upload = quiz.sources !== undefined;
  const formPage = (c: Context<AppEnv>, values: FormValues, errors: FieldErrors, formError: string, status: 413 | 415 | 422) =>
    c.html(<NewBatchPage values={values} errors={errors} formError={formError} canLogOut={hasSession(c)} upload={upload} />, status);

  app.get('/batches/new', (c) => c.html(<NewBatchPage values={{}} errors={{}} canLogOut={hasSession(c)} upload={upload} />));

  app.post('/batches/new', async (c) => {
    const form = await c.req.parseBody().catch(() => ({}) as Record<string, unknown>);
    const { values, body } = formToRequest(form);
    const file = uploadedFile(form['file']);
    // The document is stored only once the other fields pass, so a typo never stores a file.
    const parsed = BatchRequestSchema.safeParse(file && quiz.sources ? { ...body, sourceId: PENDING_SOURCE } : body);
    if (!parsed.success) {
      const errors: FieldErrors = {};
      const unplaced: string[] = [];
      for (const issue of toIssues(parsed.error)) {
        const field = issue.path.split('.')[0] ?? '';
        if (field in values || field in BatchRequestSchema.shape) errors[field] ??= issue.message;
        else unplaced.push(`${issue.path}: ${issue.message}`);
      }
      // A browser never refills a file field: say so, beside it.
      if (file) errors['file'] ??= 'Choose the document again once the fields marked are corrected.';
      return formPage(c, values, errors, unplaced.length > 0 ? unplaced.join('; ') : 'Please correct the fields marked below.', 422);
    }
    let request = parsed.data;
    if (file && quiz.sources) {
      try {
        const { source } = await quiz.sources.addFile({
          bytes: new Uint8Array(await file.arrayBuffer()),
          mediaType: file.type === '' ? null : file.type,
          fileName: file.name === '' ? null : file.name,
        }, pageTenant(c));
        request = { ...request, sourceId: source.id };
      } catch (err) {
        const refusal = err instanceof SourceRejectedError ? mapDomainError(err) : null;
        if (!refusal) throw err;
        const status = refusal.status === 413 || refusal.status === 415 ? refusal.status : 422;
        return formPage(c, values, { file: refusal.message }, 'The document was not accepted; see beside the file field.', status);
      }
    }
    const { batch } = await quiz.submit(request, {}, pageTenant(c));
    return c.redirect(`/batches/${encodeURIComponent(batch.id)}`, 303);
  });

  // The API's cancel, for any key of the batch's tenant (as `POST /v1/batches/:id/cancel`); a repeat is harmless.
  app.post('/batches/:id/cancel', async (c) => {
    const id = c.req.param('id');
    let outcome: keyof typeof CANCEL_NOTICES = 'cancelled';
    try {
      if (!BATCH_ID_PATTERN.test(id) || (await quiz.cancel(id, pageTenant(c))) === null) return notFoundPage(c, id);
    } catch (err) {
      if (!(err instanceof BatchFinishedError)) throw err;
      outcome = 'finished';
    }
    return c.redirect(`/batches/${encodeURIComponent(id)}?done=${outcome}`, 303);
  });

  app.get('/batches/:id', async (c) => {
    const id = c.req.param('id');
    const view = BATCH_ID_PATTERN.test(id) ? await quiz.get(id, pageTenant(c)) : null;
    if (!view) return notFoundPage(c, id);
    const done = c.req.query('done');
    const notice = done === 'cancelled' || done === 'finished' ? CANCEL_NOTICES[done] : undefined;
    return c.html(<BatchPage batch={PageBatchSchema.parse(view)} canLogOut={hasSession(c)} notice={notice} />);
  });
}

/** Fixed texts chosen by the redirect's `done`, so nothing from the URL is echoed into the page. */
const CANCEL_NOTICES = {
  cancelled: 'Batch cancelled: its unfinished jobs will not run.',
  finished: 'The batch had already finished; nothing was cancelled.',
} as const;

function notFoundPage(c: Context<AppEnv>, id: string) {
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
