/**
 * The dnf hot path without hono's dispatch: GET/HEAD of `/{t}/{r}/repodata/{file}` and
 * `/{t}/{r}/{location}` go straight to the dnf handlers (routes/dnf.ts), wrapped in the same
 * steps the middleware chain takes — request id, authentication (`authenticator`, the same token
 * cache), the handlers' own `requirePrincipalAccess`, `errorResponse`, the access log line.
 * Nothing here decides access; it only saves the router walk, the middleware compose and the
 * Headers conversions the middleware would cost.
 *
 * It takes only plain paths it routes exactly as hono would: no percent-escapes (hono decodes
 * them), no empty segments, not under /api/ (the API is matched before the dnf routes), not
 * config.repo, not under a repo's snapshots/, not the browse pages (a `-` segment, which no
 * tenant or repo name can be). Anything else returns null and goes through hono, whose dnf routes
 * call the same handlers.
 */
import type { Principal } from '../auth/principal.js';
import type { AppDeps } from './deps.js';
import { errorResponse } from './errors.js';
import { logAccess } from './middleware/access-log.js';
import { requestIdFrom, withRequestId } from './middleware/request-id.js';
import type { DnfHandlers, DnfRequest } from './routes/dnf.js';

/** What a runtime hands `fetch` besides the request: a Worker's execution context (waitUntil). */
export interface ExecutionContextLike {
  waitUntil(p: Promise<unknown>): void;
}

export type PreRouter = (req: Request, ctx?: ExecutionContextLike) => Response | Promise<Response> | null;

/** The path of a URL when it needs no decoding; null otherwise. */
function plainPath(url: string): string | null {
  const start = url.indexOf('/', url.indexOf(':') + 3);
  if (start < 0) return null;
  let end = url.length;
  for (let i = start; i < url.length; i++) {
    const ch = url.charCodeAt(i);
    if (ch === 37 /* % */) return null;
    if (ch === 63 /* ? */ || ch === 35 /* # */) {
      end = i;
      break;
    }
  }
  return url.slice(start, end);
}

export function dnfPreRouter(
  deps: Pick<AppDeps, 'logger'>,
  handlers: DnfHandlers,
  authenticate: (header: string | undefined) => Principal | Promise<Principal>,
): PreRouter {
  const { logger } = deps;

  /** Everything answered from the serve cache, in this turn (see DnfHandlers.repodataNow). */
  function handle(
    req: Request, method: string, path: string, tenant: string, repo: string, rest: string, waitUntil: DnfRequest['waitUntil'],
  ): Response | Promise<Response> {
    const started = performance.now();
    const requestId = requestIdFrom(req.headers.get('x-request-id'));
    let auth: Principal | Promise<Principal>;
    try {
      auth = authenticate(req.headers.get('authorization') ?? undefined);
    } catch (err) {
      auth = Promise.reject(err as Error);
    }
    const isRepodata = rest.startsWith('repodata/') && rest.indexOf('/', 9) < 0;
    if (!(auth instanceof Promise)) {
      let res: Response | undefined;
      try {
        const dreq = { raw: req, path, principal: auth, requestId, waitUntil };
        res = isRepodata ? handlers.repodataNow(dreq, tenant, repo, rest.slice(9)) : handlers.locationNow(dreq, tenant, repo, rest);
      } catch {
        res = undefined; // the async handler throws the same and turns it into the response
      }
      if (res !== undefined) {
        logAccess(logger, { requestId, method, path, status: res.status, started, principal: auth });
        return res;
      }
    }
    return handleAsync(req, method, path, tenant, repo, rest, isRepodata, started, requestId, auth, waitUntil);
  }

  async function handleAsync(
    req: Request, method: string, path: string, tenant: string, repo: string, rest: string,
    isRepodata: boolean, started: number, requestId: string, auth: Principal | Promise<Principal>, waitUntil: DnfRequest['waitUntil'],
  ): Promise<Response> {
    let principal: Principal | undefined;
    let res: Response;
    try {
      principal = await auth;
      const dreq = { raw: req, path, principal, requestId, waitUntil };
      // `repodata/<one segment>` is the repodata route; anything else is a package location.
      res = isRepodata
        ? await handlers.repodata(dreq, tenant, repo, rest.slice(9))
        : await handlers.location(dreq, tenant, repo, rest);
    } catch (err) {
      res = withRequestId(errorResponse(deps, err, { requestId, method, path }), requestId);
      // as hono answers HEAD: the GET response without its body
      if (method === 'HEAD' && res.body !== null) res = new Response(null, res);
    }
    logAccess(logger, { requestId, method, path, status: res.status, started, principal });
    return res;
  }

  return (req, ctx) => {
    const method = req.method;
    if (method !== 'GET' && method !== 'HEAD') return null;
    const path = plainPath(req.url);
    if (path === null) return null;
    const s1 = path.indexOf('/', 1);
    const s2 = s1 < 0 ? -1 : path.indexOf('/', s1 + 1);
    if (s1 <= 1 || s2 <= s1 + 1) return null;
    const tenant = path.slice(1, s1);
    if (tenant === 'api') return null;
    const repo = path.slice(s1 + 1, s2);
    const rest = path.slice(s2 + 1);
    // snapshots have routes of their own (routes/snapshot-dnf.ts), reached through hono
    if (rest === '' || rest === 'config.repo' || rest.startsWith('snapshots/') || rest.endsWith('/') || rest.includes('//')) return null;
    // `-` is never a tenant or repo name: `/-/…`, `/{t}/-/…` and `/{t}/{r}/-/…` are browse pages
    if (tenant === '-' || repo === '-' || rest.startsWith('-/')) return null;
    return handle(req, method, path, tenant, repo, rest, ctx === undefined ? undefined : (p) => ctx.waitUntil(p));
  };
}
