/**
 * The one Hono app every runtime serves (Node server, Azure Functions, Worker): request id →
 * access log → auth → routes. The adapters only build `AppDeps` and hand requests to `fetch`.
 *
 * Mount order matters: the API and /healthz come before the dnf routes, whose
 * `/{tenant}/{repo}/…` patterns would otherwise swallow `/api/…`.
 */
import { Hono, type Context } from 'hono';
import type { AppDeps, Logger } from './deps.js';
import type { AppEnv } from './env.js';
import { onError } from './errors.js';
import { authMiddleware } from './middleware/auth.js';
import { requestId } from './middleware/request-id.js';
import { openApiDocument, type RouteDoc } from './openapi.js';
import { problemResponse, ProblemError } from './problem.js';
import { adminRouteDocs, adminRoutes } from './routes/admin.js';
import { changesRouteDocs, changesRoutes } from './routes/changes.js';
import { dnfRoutes } from './routes/dnf.js';
import { mirrorRouteDocs, mirrorRoutes } from './routes/mirror.js';
import { packageRouteDocs, packageRoutes } from './routes/packages.js';

export const API_VERSION = '0.1.0';

const serviceRouteDocs: RouteDoc[] = [
  { method: 'get', path: '/healthz', summary: 'Liveness probe', access: 'public', responses: { 200: null } },
  { method: 'get', path: '/api/v1/openapi.json', summary: 'This document', access: 'public', responses: { 200: null } },
];

export function allRouteDocs(): RouteDoc[] {
  return [...serviceRouteDocs, ...adminRouteDocs, ...packageRouteDocs, ...mirrorRouteDocs, ...changesRouteDocs];
}

export function createApp(deps: AppDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const openapi = JSON.stringify(openApiDocument(allRouteDocs(), API_VERSION));

  app.use('*', requestId());
  app.use('*', accessLog(deps.logger));
  // Public endpoints answer before auth so a probe never needs (or trips over) credentials.
  app.get('/healthz', (c) => c.json({ status: 'ok' }));
  app.get('/api/v1/openapi.json', (c) => c.body(openapi, 200, { 'content-type': 'application/json' }));
  app.use('*', authMiddleware(deps));

  app.route('/', adminRoutes(deps));
  app.route('/', packageRoutes(deps));
  app.route('/', mirrorRoutes(deps));
  app.route('/', changesRoutes(deps));
  app.route('/', dnfRoutes(deps));

  app.notFound((c) => {
    const res = problemResponse(new ProblemError(404, 'not_found', `no route for ${c.req.method} ${c.req.path}`), c.get('requestId'));
    res.headers.set('X-Request-Id', c.get('requestId'));
    return res;
  });
  app.onError(onError(deps));
  return app;
}

/**
 * One JSON line per request. Deliberately logs only method, path (no query string), status,
 * timing and who (principal kind and public token id) — never headers, so Authorization and
 * tokens cannot leak into logs.
 */
function accessLog(logger: Logger) {
  return async (c: Context<AppEnv>, next: () => Promise<void>): Promise<void> => {
    const started = performance.now();
    try {
      await next();
    } finally {
      const p = c.get('principal') as AppEnv['Variables']['principal'] | undefined;
      const who = p === undefined ? 'unauthenticated' : p.kind === 'token' ? `token:${p.id}` : p.kind;
      const status = c.res.status;
      const fields = {
        requestId: c.get('requestId'),
        method: c.req.method,
        path: c.req.path,
        status,
        ms: Math.round((performance.now() - started) * 10) / 10,
        principal: who,
        length: c.res.headers.get('content-length') ?? undefined,
      };
      if (status >= 500) logger.error('request', fields);
      else logger.info('request', fields);
    }
  };
}
