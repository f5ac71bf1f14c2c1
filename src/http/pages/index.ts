import type { Hono } from 'hono';
import type { AppEnv } from '../env.js';
import type { PagesDeps } from './deps.js';
import { createPages } from './routes.js';

export { createPages } from './routes.js';
export type { PagesDeps, PagesQuiz, PagesStats } from './deps.js';
export { engineStats, type StatsSource } from './stats.js';

/** The `pages` hook of `AppDeps`: `createApp({ …, pages: mountPages({ quiz, stats }) })`. */
export function mountPages(deps: PagesDeps): (app: Hono<AppEnv>) => void {
  const pages = createPages(deps);
  return (app) => {
    app.route('/', pages);
  };
}
