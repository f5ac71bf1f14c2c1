import type { Child } from 'hono/jsx';
import { assetUrl, type AssetName } from './assets.js';

export type NavTarget = 'dashboard' | 'new' | 'dlq' | 'login';

export interface LayoutProps {
  title: string;
  nav: NavTarget;
  /** Show the log-out button (only when keys are configured and a session exists). */
  canLogOut: boolean;
  scripts?: AssetName[];
  children?: Child;
}

/** The page frame: every page links its stylesheet and scripts as files, never inline. */
export function Layout(props: LayoutProps) {
  const current = (t: NavTarget) => (props.nav === t ? 'page' : undefined);
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="referrer" content="same-origin" />
        <title>{`${props.title} · quizforge`}</title>
        {/* No favicon request (and no 404 in the console) on every page. */}
        <link rel="icon" href="data:," />
        <link rel="stylesheet" href={assetUrl('app.css')} />
        {(props.scripts ?? []).map((s) => (
          <script src={assetUrl(s)} defer></script>
        ))}
      </head>
      <body>
        <header class="top">
          <span class="brand">quizforge</span>
          <a href="/" aria-current={current('dashboard')}>
            Dashboard
          </a>
          <a href="/batches/new" aria-current={current('new')}>
            New quiz
          </a>
          <a href="/dlq" aria-current={current('dlq')}>
            Dead letters
          </a>
          {props.canLogOut ? (
            <form method="post" action="/logout">
              <button type="submit" class="link">
                Log out
              </button>
            </form>
          ) : null}
        </header>
        <main>{props.children}</main>
      </body>
    </html>
  );
}

/** Dates arrive as Date or ISO text depending on the source; shown in UTC so tests and servers agree. */
export function formatTime(value: Date | string | null | undefined): string {
  if (value === null || value === undefined) return '';
  const d = value instanceof Date ? value : new Date(value);
  return Number.isNaN(d.getTime()) ? String(value) : d.toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z');
}

/** Error text from either an `{ message }` object or a string. */
export function errorText(error: { message: string } | string | null | undefined): string {
  if (error === null || error === undefined) return '';
  return typeof error === 'string' ? error : error.message;
}
