import type { Logger } from '../log.js';
import type { Authenticator, Principal } from './auth.js';

/** Per-request variables every middleware and route (pages included) can rely on. */
export interface AppVariables {
  requestId: string;
  /** Request-scoped logger carrying `reqId`. */
  log: Logger;
  auth: Authenticator;
  /** Set by `requireAuth()` once the caller is known. */
  principal: Principal;
}

export type AppEnv = { Variables: AppVariables };
