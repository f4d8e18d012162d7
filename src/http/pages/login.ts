/**
 * Logging in and out of the browse pages. POST /-/login takes a token from the form body (never
 * from a URL), checks it exactly as the API does, and answers with a session cookie
 * (session-cookie.ts) and a redirect; POST /-/logout deletes the session. Both refuse requests
 * another site started (Origin / Sec-Fetch-Site), so no page elsewhere can log a visitor in or out.
 */
import type { Hono } from 'hono';
import { isOperatorToken } from '../../auth/operator.js';
import { sha256Hex } from '../../auth/crypto.js';
import { createSession, deleteSession, type SessionSubject } from '../../auth/sessions.js';
import { verifyTokenUntil } from '../../auth/tokens.js';
import type { AppDeps } from '../deps.js';
import type { AppEnv } from '../env.js';
import { ProblemError } from '../problem.js';
import { readBodyText } from '../validate.js';
import { pageRoute, type PageCtx } from './context.js';
import { h } from './html.js';
import { loginForm, safeNext } from './login-form.js';
import { clearedSessionCookie, sessionCookie, sessionIdFrom } from './session-cookie.js';

/** A login form body is a token and a path: a few hundred bytes. */
const MAX_FORM_BYTES = 8 * 1024;

/**
 * 403 unless the request comes from this site: a browser says so with `Sec-Fetch-Site`
 * (same-origin, or none for a typed address); without it (older browsers, curl) the `Origin`
 * header, when present, must be this site's.
 */
export function requireSameOrigin(p: PageCtx): void {
  const { c, deps } = p;
  const refuse = (): ProblemError => new ProblemError(403, 'cross_site_request', 'this form may only be sent from this site');
  const site = c.req.header('sec-fetch-site');
  if (site !== undefined) {
    if (site !== 'same-origin' && site !== 'none') throw refuse();
    return;
  }
  const origin = c.req.header('origin');
  if (origin === undefined) return;
  const allowed = new Set([new URL(c.req.url).origin]);
  if (deps.config.publicUrl) allowed.add(new URL(deps.config.publicUrl).origin);
  if (!allowed.has(origin)) throw refuse();
}

async function subjectOf(deps: AppDeps, token: string): Promise<{ subject: SessionSubject; home: string } | null> {
  if (await isOperatorToken(token, deps.config.operatorTokenHash)) {
    return { subject: { kind: 'operator', operatorHash: deps.config.operatorTokenHash!.toLowerCase() }, home: '/' };
  }
  const verified = await verifyTokenUntil(deps.store, token, deps.clock());
  if (!verified || verified.principal.kind !== 'token') return null;
  return {
    subject: { kind: 'token', tokenHash: await sha256Hex(token), tokenExpiresAt: verified.expiresAt === null ? null : new Date(verified.expiresAt).toISOString() },
    home: `/${verified.principal.tenant}/`,
  };
}

export function loginRoutes(app: Hono<AppEnv>, deps: AppDeps): void {
  app.get('/-/login', pageRoute(deps, async (p) => {
    const next = safeNext(p.c.req.query('next'));
    if (p.session !== null) {
      return p.render('Logged in', h`<h1>You are logged in</h1><p>${next ? h`<a href="${next}">Continue</a> or log` : h`Log`} out with the button at the top of the page.</p>`);
    }
    return p.render('Log in', h`<h1>Log in</h1>${loginForm({ next })}`, { crumbs: [{ label: 'Berth', href: '/' }, { label: 'Log in' }] });
  }));

  app.post('/-/login', pageRoute(deps, async (p) => {
    requireSameOrigin(p);
    const type = p.c.req.header('content-type') ?? '';
    if (!/^application\/x-www-form-urlencoded\b/i.test(type)) {
      throw new ProblemError(415, 'unsupported_media_type', 'send the login form (application/x-www-form-urlencoded)');
    }
    const form = new URLSearchParams(await readBodyText(p.c, MAX_FORM_BYTES));
    const token = (form.get('token') ?? '').trim();
    const next = safeNext(form.get('next'));
    const found = token === '' ? null : await subjectOf(deps, token);
    if (!found) {
      return p.render('Log in', h`<h1>Log in</h1>${loginForm({ next, error: 'That token is not valid: it is unknown, expired or revoked.' })}`, { status: 401 });
    }
    const now = deps.clock();
    const session = await createSession(deps.store, found.subject, now);
    return new Response(null, {
      status: 303,
      headers: {
        location: next ?? found.home,
        'set-cookie': sessionCookie(session.id, (session.expiresAt.getTime() - now.getTime()) / 1000),
        'cache-control': 'no-store',
      },
    });
  }));

  app.post('/-/logout', pageRoute(deps, async (p) => {
    requireSameOrigin(p);
    const id = sessionIdFrom(p.c.req.header('cookie'));
    if (id !== null) await deleteSession(deps.store, id);
    return new Response(null, { status: 303, headers: { location: '/', 'set-cookie': clearedSessionCookie(), 'cache-control': 'no-store' } });
  }));
}
