/** The hono environment every route module shares. */
import type { Principal } from '../auth/principal.js';

export interface AppEnv {
  Variables: {
    /** Set by the auth middleware on every request (anonymous when no credentials). */
    principal: Principal;
    /** Set by the request-id middleware; echoed in `X-Request-Id` and problem bodies. */
    requestId: string;
  };
}
