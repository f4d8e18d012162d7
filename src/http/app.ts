/**
 * The one Hono app every runtime serves (Node server, Azure Functions, Worker): request id →
 * access log → auth → routes. The adapters only build `AppDeps` and hand requests to `fetch`.
 *
 * Mount order matters: the API and /healthz come before the browse pages and the dnf routes,
 * whose `/{tenant}/{repo}/…` patterns would otherwise swallow `/api/…`; the pages (pages/) come
 * before the dnf routes, which would take their paths as package locations.
 *
 * `fetch` first offers a request to the dnf pre-router (dnf-pre-router.ts): plain-path dnf
 * GET/HEAD, the bulk of all traffic, run the same steps and handlers without hono's dispatch.
 */
import { Hono, type Context } from 'hono';
import type { AppDeps } from './deps.js';
import { dnfPreRouter, type ExecutionContextLike } from './dnf-pre-router.js';
import type { AppEnv } from './env.js';
import { onError, toProblem } from './errors.js';
import { accessLog } from './middleware/access-log.js';
import { authenticator, authMiddleware } from './middleware/auth.js';
import { RateLimiter, TenantRateLimits } from './rate-limit.js';
import { requestId, withRequestId } from './middleware/request-id.js';
import { allowedMethods } from './method-not-allowed.js';
import { openApiDocument, type RouteDoc } from './openapi.js';
import { problemResponse, ProblemError } from './problem.js';
import { adminRouteDocs, adminRoutes } from './routes/admin.js';
import { changesRouteDocs, changesRoutes } from './routes/changes.js';
import { dnfHandlers, dnfRoutes } from './routes/dnf.js';
import { dnfRouteDocs } from './routes/dnf-docs.js';
import { lifecycleRouteDocs, lifecycleRoutes } from './routes/lifecycle.js';
import { advisoryRouteDocs, advisoryRoutes } from './routes/advisories.js';
import { repoGroupRouteDocs, repoGroupRoutes } from './routes/repo-groups.js';
import { SnapshotRecords, snapshotDnfRouteDocs, snapshotDnfRoutes } from './routes/snapshot-dnf.js';
import { readSnapshot } from '../repo/snapshots.js';
import { mirrorRouteDocs, mirrorRoutes } from './routes/mirror.js';
import { mirrorEditRouteDocs, mirrorEditRoutes } from './routes/mirror-edit.js';
import { packageRouteDocs, packageRoutes } from './routes/packages.js';
import { publicKeyRouteDocs, publicKeyRoutes } from './routes/public-keys.js';
import { pageRouteDocs } from './pages/docs.js';
import { pageRedirect, pageRoutes } from './pages/index.js';
import { htmlProblem, namesHtml } from './pages/context.js';

export const API_VERSION = '0.1.0';

/** Paths of files dnf fetches: their answers never depend on who asks how. */
const DNF_FILE = /^\/[^/]+\/[^/]+\/(?:repodata\/[^/]+|config\.repo|.+\.rpm)$/;

const serviceRouteDocs: RouteDoc[] = [
  { method: 'get', path: '/healthz', summary: 'Liveness probe', access: 'public', responses: { 200: null } },
  { method: 'get', path: '/api/v1/openapi.json', summary: 'This document', access: 'public', responses: { 200: null } },
];

export function allRouteDocs(): RouteDoc[] {
  return [...serviceRouteDocs, ...adminRouteDocs, ...packageRouteDocs, ...mirrorRouteDocs, ...mirrorEditRouteDocs, ...changesRouteDocs, ...lifecycleRouteDocs, ...dnfRouteDocs, ...snapshotDnfRouteDocs, ...advisoryRouteDocs, ...repoGroupRouteDocs, ...pageRouteDocs, ...publicKeyRouteDocs];
}

export interface CreateAppOptions {
  /** Answer plain dnf GET/HEAD through the pre-router (default). False: everything through hono (tests compare both). */
  dnfPreRouter?: boolean;
}

export function createApp(deps: AppDeps, options: CreateAppOptions = {}): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const servers = deps.config.publicUrl ? [deps.config.publicUrl.replace(/\/+$/, '')] : ['/'];
  const openapi = JSON.stringify(openApiDocument(allRouteDocs(), API_VERSION, { servers }));

  app.use('*', requestId());
  app.use('*', accessLog(deps.logger));
  // Public endpoints answer before auth so a probe never needs (or trips over) credentials.
  app.get('/healthz', (c) => c.json({ status: 'ok' }));
  app.get('/api/v1/openapi.json', (c) => c.body(openapi, 200, { 'content-type': 'application/json' }));
  app.route('/', publicKeyRoutes(deps));
  // one count per token for the app and the dnf pre-router (BERTH_RATE_LIMIT, off when unset,
  // or the tenant's own limit that the operator set)
  const limits = { limiter: new RateLimiter(deps.config.rateLimit ?? { requests: 0, windowSeconds: 60 }), tenants: new TenantRateLimits(deps.store) };
  app.use('*', authMiddleware(deps, limits));

  app.route('/', adminRoutes(deps, limits.tenants));
  app.route('/', packageRoutes(deps));
  app.route('/', mirrorRoutes(deps));
  app.route('/', mirrorEditRoutes(deps));
  app.route('/', changesRoutes(deps));
  const snapshots = new SnapshotRecords((t, r, n) => readSnapshot(deps.store, t, r, n));
  app.route('/', lifecycleRoutes(deps, snapshots));
  app.route('/', advisoryRoutes(deps));
  app.route('/', repoGroupRoutes(deps));
  // An /api/ request no API route took ends below, never in the pages or the dnf routes (whose
  // `/{tenant}/{repo}/…` patterns match any three-segment path).
  app.all('/api/*', (c) => unmatched(c));
  app.route('/', pageRoutes(deps));
  const allowed = allowedMethods(app);
  const unmatched = async (c: Context<AppEnv>): Promise<Response> => {
    // A path that exists for other methods: 405 with Allow (RFC 9110 §15.5.6), else 404.
    const methods = allowed(c.req.path);
    const redirect = methods.length === 0 ? pageRedirect(c.req.method, c.req.path) : null;
    if (redirect !== null) return c.redirect(redirect, 308);
    if (methods.length === 0 && !c.req.path.startsWith('/api/') && namesHtml(c.req.header('accept'))) {
      return withRequestId(await htmlProblem(404, `Nothing is at ${c.req.path}.`, c.req.path, c.get('requestId')), c.get('requestId'));
    }
    const problem = methods.length > 0
      ? new ProblemError(405, 'method_not_allowed', `${c.req.method} is not allowed on ${c.req.path} (allowed: ${methods.join(', ')})`, {}, { Allow: methods.join(', ') })
      : new ProblemError(404, 'not_found', `no route for ${c.req.method} ${c.req.path}`);
    const res = problemResponse(problem, c.get('requestId'));
    res.headers.set('X-Request-Id', c.get('requestId'));
    return res;
  };
  const dnf = dnfHandlers(deps);
  // before the repo's own dnf routes, whose `/{t}/{r}/{location}` would take snapshot paths
  app.route('/', snapshotDnfRoutes(deps, dnf.repoFor, snapshots));
  app.route('/', dnfRoutes(deps, {}, dnf));
  app.notFound(unmatched);
  const apiError = onError(deps);
  app.onError(async (err, c) => {
    const res = await apiError(err, c);
    // a browser that opened a page path that failed (a mistyped address) gets a page; the API and
    // dnf's files answer as they always do (the dnf pre-router answers those without hono)
    if (c.req.path.startsWith('/api/') || DNF_FILE.test(c.req.path) || !namesHtml(c.req.header('accept'))) return res;
    const problem = toProblem(err);
    return withRequestId(await htmlProblem(res.status, problem?.detail ?? '', c.req.path, c.get('requestId')), c.get('requestId'));
  });

  if (options.dnfPreRouter === false) return app;
  const preRoute = dnfPreRouter(deps, dnf, authenticator(deps, limits));
  const dispatch = app.fetch;
  // (request, env, executionCtx): a Worker's waitUntil reaches the dnf handlers' file cache.
  app.fetch = (request, ...rest) => preRoute(request, rest[1] as ExecutionContextLike | undefined) ?? dispatch(request, ...rest);
  return app;
}
