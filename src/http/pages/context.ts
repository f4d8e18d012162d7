/**
 * What every browse page handler runs inside (`pageRoute`):
 * - content negotiation: a client that asks for JSON and not HTML (`Accept: application/json`)
 *   gets 406 `not_acceptable` naming the API instead of a page, so scripts never parse HTML;
 * - who is asking: the Authorization header's principal (API tokens work with curl), else the
 *   session cookie's (src/auth/sessions.ts), set as the request's principal so the access log
 *   names it; a dead session cookie is cleared;
 * - errors: a browser gets an HTML page with the problem's status (401 shows the login form,
 *   without a Basic challenge that would pop up the browser's own dialog); any other client the
 *   JSON problem every route answers with;
 * - the headers of every page: a strict Content-Security-Policy (scripts and styles from this
 *   origin only, nothing inline, no framing, forms post only here), nosniff, no referrer to
 *   other sites, and
 *   `no-store` for anything shown to a logged-in principal.
 */
import type { Context, Handler } from 'hono';
import type { Principal } from '../../auth/principal.js';
import { resolveSession } from '../../auth/sessions.js';
import type { AppDeps } from '../deps.js';
import type { AppEnv } from '../env.js';
import { toProblem } from '../errors.js';
import { ProblemError } from '../problem.js';
import { pageAssets, type Assets } from './assets.js';
import { h, PAGE_BUDGET_BYTES, type Html } from './html.js';
import { layout, type Crumb } from './layout.js';
import { clearedSessionCookie, sessionIdFrom } from './session-cookie.js';
import { loginForm } from './login-form.js';

const encoder = new TextEncoder();

export const CSP = [
  "default-src 'none'", "script-src 'self'", "style-src 'self'", "img-src 'self'", "connect-src 'self'",
  "form-action 'self'", "frame-ancestors 'none'", "base-uri 'none'",
].join('; ');

export interface PageCtx {
  c: Context<AppEnv>;
  deps: AppDeps;
  principal: Principal;
  /** The session id when the principal came from the session cookie. */
  session: string | null;
  assets: Assets;
  /** A complete page response. */
  render(title: string, body: Html, opts?: RenderOptions): Response;
  /**
   * A page within PAGE_BUDGET_BYTES: `build(shrink)` is asked again with shrink 2, 4, … (show
   * that many times fewer items, clip texts that much shorter) until the page fits.
   */
  renderFitted(title: string, build: (shrink: number) => Html, opts?: RenderOptions): Response;
}

export interface RenderOptions {
  status?: number;
  crumbs?: readonly Crumb[];
}

/** True when the client takes HTML (browsers say so; curl's `*\/*` and no Accept count too). */
export function acceptsHtml(accept: string | undefined): boolean {
  if (!accept) return true;
  return /(^|,)\s*(text\/html|application\/xhtml\+xml|\*\/\*|text\/\*)\s*(;|,|$)/i.test(accept);
}

/** True when the client names HTML itself (a browser), not only `*\/*`. */
export function namesHtml(accept: string | undefined): boolean {
  return !!accept && /(^|,)\s*(text\/html|application\/xhtml\+xml)\s*(;|,|$)/i.test(accept);
}

export function pageHeaders(personal: boolean): Record<string, string> {
  return {
    'content-type': 'text/html; charset=utf-8',
    'content-security-policy': CSP,
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'same-origin',
    'x-frame-options': 'DENY',
    'cache-control': personal ? 'private, no-store' : 'no-cache',
    vary: 'Cookie, Authorization, Accept',
  };
}

async function pagePrincipal(c: Context<AppEnv>, deps: AppDeps): Promise<{ principal: Principal; session: string | null; clear: boolean }> {
  const fromHeader = c.get('principal');
  if (fromHeader.kind !== 'anonymous') return { principal: fromHeader, session: null, clear: false };
  const id = sessionIdFrom(c.req.header('cookie'));
  if (id === null) return { principal: fromHeader, session: null, clear: false };
  const principal = await resolveSession(deps.store, id, deps.clock(), deps.config.operatorTokenHash);
  if (!principal) return { principal: fromHeader, session: null, clear: true };
  c.set('principal', principal);
  return { principal, session: id, clear: false };
}

function problemTitle(status: number): string {
  return ({ 400: 'Bad request', 401: 'Log in to see this page', 403: 'Not allowed', 404: 'Not found', 406: 'Not acceptable', 409: 'Conflict', 422: 'Cannot be processed' } as Record<number, string>)[status] ?? 'Something went wrong';
}

function errorBody(status: number, detail: string, path: string, requestId: string | undefined): Html {
  if (status === 401) {
    return h`<h1>${problemTitle(status)}</h1><p>This page belongs to a private repository or needs a token.</p>${loginForm({ next: path })}`;
  }
  const shown = status >= 500 ? `The server could not answer (request id ${requestId ?? 'unknown'}).` : detail;
  return h`<h1>${problemTitle(status)}</h1><p class="error">${shown}</p><p><a href="/">Back to the start page</a></p>`;
}

/** A browse page route: negotiation, principal, HTML errors, headers. */
export function pageRoute(deps: AppDeps, fn: (p: PageCtx) => Promise<Response>): Handler<AppEnv>;
export function pageRoute(deps: AppDeps, opts: { negotiate: boolean }, fn: (p: PageCtx) => Promise<Response>): Handler<AppEnv>;
export function pageRoute(
  deps: AppDeps, a: { negotiate: boolean } | ((p: PageCtx) => Promise<Response>), b?: (p: PageCtx) => Promise<Response>,
): Handler<AppEnv> {
  const fn = typeof a === 'function' ? a : b!;
  const negotiate = typeof a === 'function' ? true : a.negotiate;
  return async (c) => {
    const accept = c.req.header('accept');
    if (negotiate && !acceptsHtml(accept)) {
      throw new ProblemError(406, 'not_acceptable',
        `${c.req.path} is a page for browsers (text/html); the same data is in the JSON API under /api/v1/ (see /api/v1/openapi.json)`);
    }
    const assets = await pageAssets();
    const who = await pagePrincipal(c, deps);
    const personal = who.principal.kind !== 'anonymous';
    const pageText = (title: string, body: Html, opts: RenderOptions): string =>
      String(layout({ title, principal: who.principal, session: who.session !== null, assets, body, ...(opts.crumbs ? { crumbs: opts.crumbs } : {}) }));
    const respond = (text: string, opts: RenderOptions): Response => {
      const res = new Response(text, { status: opts.status ?? 200, headers: pageHeaders(personal) });
      if (who.clear) res.headers.append('set-cookie', clearedSessionCookie());
      return res;
    };
    const render: PageCtx['render'] = (title, body, opts = {}) => respond(pageText(title, body, opts), opts);
    const renderFitted: PageCtx['renderFitted'] = (title, build, opts = {}) => {
      for (let shrink = 1; ; shrink *= 2) {
        const text = pageText(title, build(shrink), opts);
        if (shrink >= 256 || encoder.encode(text).length <= PAGE_BUDGET_BYTES) return respond(text, opts);
      }
    };
    try {
      return await fn({ c, deps, principal: who.principal, session: who.session, assets, render, renderFitted });
    } catch (err) {
      if (!namesHtml(accept)) throw err;
      const problem = toProblem(err);
      if (!problem) {
        deps.logger.error('unhandled error', {
          requestId: c.get('requestId'), method: c.req.method, path: c.req.path,
          error: err instanceof Error ? `${err.name}: ${err.message}` : String(err), stack: err instanceof Error ? err.stack : undefined,
        });
      }
      const status = problem?.status ?? 500;
      const res = render(problemTitle(status), errorBody(status, problem?.detail ?? '', c.req.path, c.get('requestId')), { status });
      if (problem?.headers['retry-after']) res.headers.set('retry-after', problem.headers['retry-after']);
      return res;
    }
  };
}

/**
 * The HTML answer a browser gets for a problem outside a page route (a path no route takes, a
 * refusal of a dnf path it opened): the page frame without a session (nothing is read for it).
 */
export async function htmlProblem(status: number, detail: string, path: string, requestId: string | undefined): Promise<Response> {
  const assets = await pageAssets();
  const body = errorBody(status, detail, path, requestId);
  return new Response(String(layout({ title: problemTitle(status), principal: { kind: 'anonymous' }, session: false, assets, body })), { status, headers: pageHeaders(false) });
}
