// A minimal app around the package and dnf routes: the real auth middleware and error handler.
import { Hono } from 'hono';
import { operatorTokenHash } from '../../src/auth/operator.js';
import type { AppEnv } from '../../src/http/env.js';
import { onError } from '../../src/http/errors.js';
import { authMiddleware } from '../../src/http/middleware/auth.js';
import { dnfRoutes } from '../../src/http/routes/dnf.js';
import { packageRoutes } from '../../src/http/routes/packages.js';
import type { World } from '../repo/support.js';

export const OPERATOR = 'operator-secret-for-tests';

export async function appFor(w: World): Promise<Hono<AppEnv>> {
  w.deps.config.operatorTokenHash = await operatorTokenHash(OPERATOR);
  const app = new Hono<AppEnv>();
  app.use('*', authMiddleware(w.deps));
  app.route('/', packageRoutes(w.deps));
  app.route('/', dnfRoutes(w.deps));
  app.onError(onError(w.deps));
  return app;
}

export const bearer = (token = OPERATOR): Record<string, string> => ({ authorization: `Bearer ${token}` });
export const basic = (token: string): Record<string, string> => ({ authorization: `Basic ${btoa(`dnf:${token}`)}` });
