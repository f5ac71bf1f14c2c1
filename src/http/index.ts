export { createApp, DEFAULT_BODY_LIMIT_BYTES, DEFAULT_KEEP_ALIVE_MS, type QuizforgeApp } from './app.js';
export type { AppDeps, EventFeed, QuizApi } from './deps.js';
export type { AppEnv, AppVariables } from './env.js';
export {
  authConfigFrom,
  authEnabled,
  clearSessionCookie,
  issueSessionCookie,
  requireAuth,
  SESSION_COOKIE,
  type AuthConfig,
  type Principal,
  type Scope,
} from './auth.js';
export { ApiError, envelope } from './errors.js';
export { checkBind, startServer, type RunningServer, type ServerOptions } from './server.js';
