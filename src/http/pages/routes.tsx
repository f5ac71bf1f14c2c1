import { Hono, type Context } from 'hono';
import type { TenantScope } from '../../accounts/index.js';
import { InvalidCursorError, NotDeadError } from '../../engine/errors.js';
import { clearSessionCookie, issueSessionCookie } from '../auth.js';
import type { AppEnv } from '../env.js';
import { assetRoutes } from './assets.js';
import { registerBatchPages } from './batch-routes.js';
import { DashboardPage, loadSummary } from './dashboard.js';
import type { PagesDeps } from './deps.js';
import { AcceptRejectedError } from '../../quiz/accept.js';
import { issuesByField, questionsFromForm } from './dlq-accept.js';
import { DlqEntryPage } from './dlq-entry.js';
import { DlqListPage, type Notice } from './dlq-list.js';
import { hasSession, pagePrincipal, pageScope, pageTenant, requireSession, safeNext, sameOriginPosts } from './guard.js';
import { Layout } from './layout.js';
import { LoginPage, LogoutPage } from './login.js';

const DLQ_PAGE_SIZE = 50;
const MAX_KEY_LENGTH = 512;

/**
 * The server-rendered pages as one hono sub-app: `app.route('/', createPages(deps))`. Mounted
 * beside the `/v1` API, not under its Bearer middleware: pages accept the session cookie and send
 * a browser to the login form instead of answering with a JSON 401.
 */
export function createPages(deps: PagesDeps): Hono<AppEnv> {
  const { quiz } = deps;
  const app = new Hono<AppEnv>();
  const loggedIn = hasSession;
  const noStore = async (c: Context<AppEnv>, next: () => Promise<void>) => {
    await next();
    c.header('Cache-Control', 'no-store');
  };

  app.route('/', assetRoutes());
  app.use('/login', noStore, sameOriginPosts());
  app.use('/logout', noStore, sameOriginPosts());
  for (const path of ['/', '/dashboard.json', '/dlq', '/dlq/*', '/batches/*']) {
    app.use(path, noStore, sameOriginPosts(), requireSession());
  }

  app.get('/login', async (c) => {
    await pagePrincipal(c);
    const next = safeNext(c.req.query('next'));
    return c.html(<LoginPage enabled={c.var.auth.enabled} next={next} loggedIn={loggedIn(c)} />);
  });

  app.post('/login', async (c) => {
    const form = await c.req.parseBody().catch(() => ({}) as Record<string, unknown>);
    const key = typeof form['key'] === 'string' ? form['key'].trim() : '';
    const next = safeNext(typeof form['next'] === 'string' ? form['next'] : undefined);
    if (!c.var.auth.enabled) return c.redirect(next, 303);
    if (key === '' || key.length > MAX_KEY_LENGTH || (await issueSessionCookie(c, key)) === null) {
      return c.html(<LoginPage enabled next={next} loggedIn={false} error="That key is not valid." />, 401);
    }
    return c.redirect(next, 303);
  });

  app.get('/logout', (c) => c.html(<LogoutPage />));
  app.post('/logout', (c) => {
    if (c.var.auth.enabled) clearSessionCookie(c);
    return c.redirect('/login', 303);
  });

  app.get('/', async (c) => {
    const scope = pageTenant(c);
    const [summary, usage] = await Promise.all([loadSummary(deps, scope), quiz.usage ? quiz.usage(scope.tenant) : null]);
    return c.html(<DashboardPage summary={summary} usage={usage} canLogOut={loggedIn(c)} />);
  });
  app.get('/dashboard.json', async (c) => c.json(await loadSummary(deps, pageTenant(c))));

  registerBatchPages(app, quiz);

  app.get('/dlq', async (c) => {
    const cursor = c.req.query('cursor');
    const page = await quiz.dlqList(cursor ? { limit: DLQ_PAGE_SIZE, cursor } : { limit: DLQ_PAGE_SIZE }, pageTenant(c)).catch((err: unknown) => {
      // A stale or hand-edited cursor: start from the newest instead of answering with an error.
      if (err instanceof InvalidCursorError) return null;
      throw err;
    });
    if (!page) return c.redirect('/dlq', 303);
    return c.html(<DlqListPage page={page} notice={parseNotice(c.req.query('done'), c.req.query('job'))} canLogOut={loggedIn(c)} />);
  });

  app.get('/dlq/:id', async (c) => {
    const id = parseJobId(c.req.param('id'));
    const entry = id === null ? null : await quiz.dlqGet(id, pageTenant(c));
    if (!entry) return c.html(<NotFound id={c.req.param('id')} canLogOut={loggedIn(c)} />, 404);
    return c.html(<DlqEntryPage entry={entry} canAct={pageScope(c) === 'admin'} canLogOut={loggedIn(c)} />);
  });

  const action = (kind: 'replayed' | 'discarded', run: (id: number, scope: TenantScope) => Promise<unknown>) => async (c: Context<AppEnv>) => {
    if (pageScope(c) !== 'admin') return c.text('Replay and discard need an admin key.', 403);
    const id = parseJobId(c.req.param('id') ?? '');
    if (id === null) return c.html(<NotFound id={c.req.param('id') ?? ''} canLogOut={loggedIn(c)} />, 404);
    try {
      await run(id, pageTenant(c));
    } catch (err) {
      const refusal = refusalOf(err);
      if (!refusal) throw err;
      const entry = refusal.status === 409 ? await quiz.dlqGet(id, pageTenant(c)) : null;
      if (!entry) return c.html(<NotFound id={String(id)} canLogOut={loggedIn(c)} />, 404);
      return c.html(<DlqEntryPage entry={entry} canAct canLogOut={loggedIn(c)} error={refusal.message} />, 409);
    }
    return c.redirect(`/dlq?done=${kind}&job=${id}`, 303);
  };
  app.post('/dlq/:id/replay', action('replayed', (id, scope) => quiz.dlqReplay(id, {}, scope)));
  app.post('/dlq/:id/discard', action('discarded', (id, scope) => quiz.dlqDiscard(id, scope)));

  // Fix and accept: the form's edits as the accept body; refused edits come back with their issues.
  app.post('/dlq/:id/accept', async (c) => {
    if (pageScope(c) !== 'admin') return c.text('Accepting needs an admin key.', 403);
    const id = parseJobId(c.req.param('id'));
    const entry = id === null ? null : await quiz.dlqGet(id, pageTenant(c));
    if (id === null || !entry?.review) return c.html(<NotFound id={c.req.param('id')} canLogOut={loggedIn(c)} />, 404);
    const form = await c.req.parseBody().catch(() => ({}) as Record<string, unknown>);
    const edited = questionsFromForm(entry.review, form);
    const body = edited.map((q) => ({ question: q.question, options: q.options, correctAnswer: q.correctAnswer, explanation: q.explanation }));
    try {
      await quiz.dlqAccept(id, body, 'admin via session', pageTenant(c));
    } catch (err) {
      if (err instanceof AcceptRejectedError) {
        const page = <DlqEntryPage entry={entry} canAct canLogOut={loggedIn(c)} error={err.message} reviewIssues={issuesByField(err.issues)} edited={edited} />;
        return c.html(page, 422);
      }
      const refusal = refusalOf(err);
      if (!refusal) throw err;
      return c.html(<NotFound id={String(id)} canLogOut={loggedIn(c)} />, refusal.status);
    }
    return c.redirect(`/dlq?done=accepted&job=${id}`, 303);
  });

  return app;
}

/** The service's typed refusals (job gone, or no longer dead) as page answers; null for real failures. */
function refusalOf(err: unknown): { status: 404 | 409; message: string } | null {
  if (err instanceof NotDeadError) return { status: err.state === null ? 404 : 409, message: err.message };
  return null;
}

function parseJobId(text: string): number | null {
  if (!/^[1-9]\d{0,15}$/.test(text)) return null;
  const n = Number(text);
  return Number.isSafeInteger(n) ? n : null;
}

function parseNotice(done: string | undefined, job: string | undefined): Notice | null {
  const jobId = parseJobId(job ?? '');
  if (jobId === null || (done !== 'replayed' && done !== 'discarded' && done !== 'accepted')) return null;
  return { kind: done, jobId };
}

/** Also what a replayed or discarded entry's old URL shows. */
function NotFound(props: { id: string; canLogOut: boolean }) {
  return (
    <Layout title="Not found" nav="dlq" canLogOut={props.canLogOut}>
      <h1>Not in the dead-letter queue</h1>
      <p>
        {`No dead job has the id “${props.id.slice(0, 40)}”: it may have been replayed or discarded.`} <a href="/dlq">Back to the list</a>.
      </p>
    </Layout>
  );
}
