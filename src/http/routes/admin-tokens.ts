/** API tokens: create (secret shown once), list, revoke. */
import { Hono } from 'hono';
import { hasScope, type Principal } from '../../auth/principal.js';
import { createToken, getToken, listTokens, revokeToken, tokenInfo } from '../../auth/tokens.js';
import { appendAudit } from '../../repo/audit.js';
import { getRepo } from '../../repo/repos.js';
import { isValidName } from '../../storage/keys.js';
import type { AppDeps } from '../deps.js';
import type { AppEnv } from '../env.js';
import { notFound } from '../errors.js';
import { actorOf, CHALLENGE, requireAccess } from '../middleware/auth.js';
import type { RouteDoc } from '../openapi.js';
import { ProblemError } from '../problem.js';
import { jsonBody } from '../validate.js';
import { durationSeconds, tokenCreatedSchema, tokenCreateSchema, tokenListSchema } from './admin-schemas.js';
import { requireTenant } from './admin-tenants.js';

/**
 * A token may only mint tokens no stronger than itself: otherwise a repo-limited admin token
 * could create an unlimited one (tenant-level admin actions do not look at the repo list).
 */
function checkDelegation(principal: Principal, scopes: readonly string[], repos: readonly string[] | null): void {
  if (principal.kind !== 'token') return;
  const tooStrong = scopes.some((s) => !hasScope(principal.scopes, s as 'read'));
  const tooWide = principal.repos !== null && (repos === null || repos.some((r) => !principal.repos?.includes(r)));
  if (tooStrong || tooWide) {
    throw new ProblemError(403, 'forbidden', 'a token cannot create a token with more scopes or repos than it has itself');
  }
}

export function tokenRoutes(deps: AppDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();

  app.post('/api/v1/tenants/:tenant/tokens', async (c) => {
    const t = c.req.param('tenant');
    // checkDelegation keeps a repo-limited token's new tokens within its own repos
    const principal = requireAccess(c, { tenant: t, action: 'admin', withinTokenRepos: true });
    await requireTenant(deps, t);
    const body = await jsonBody(c, tokenCreateSchema);
    const repos = body.repos ?? null;
    for (const r of repos ?? []) {
      if (!isValidName(r)) throw new ProblemError(400, 'invalid_name', `invalid repo name ${JSON.stringify(r)}`);
    }
    checkDelegation(principal, body.scopes, repos);
    // A token for a repo that does not exist would silently start working the day someone
    // creates a repo of that name: refuse it (the caller is this tenant's admin, who may know).
    for (const r of repos ?? []) {
      if (!(await getRepo(deps.store, t, r))) throw notFound(t, r);
    }
    const now = deps.clock();
    const seconds = body.expiresIn === undefined ? null : durationSeconds(body.expiresIn);
    const { token, record } = await createToken(deps.store, {
      tenant: t,
      scopes: [...new Set(body.scopes)],
      repos: repos === null ? null : [...new Set(repos)],
      expiresAt: seconds === null ? null : new Date(now.getTime() + seconds * 1000),
      ...(body.description !== undefined ? { description: body.description } : {}),
    }, now);
    await appendAudit(deps.store, t, {
      actor: actorOf(principal), action: 'token.create', target: record.id,
      details: { scopes: record.scopes, repos: record.repos, expiresAt: record.expiresAt },
    }, now);
    c.header('Cache-Control', 'no-store');
    return c.json({ ...tokenInfo(record), token }, 201);
  });

  app.get('/api/v1/tenants/:tenant/tokens', async (c) => {
    const t = c.req.param('tenant');
    requireAccess(c, { tenant: t, action: 'admin' });
    await requireTenant(deps, t);
    const tokens = (await listTokens(deps.store, t)).map(tokenInfo);
    return c.json({ tokens });
  });

  app.delete('/api/v1/tokens/:id', async (c) => {
    const id = c.req.param('id');
    // A whole token in the path is a secret on its way into logs: refuse it without echoing it
    // (the access log redacts it too). The id is its public part.
    if (id.startsWith('berth_')) {
      const publicId = /^berth_([a-z2-7]{12})_/.exec(id)?.[1];
      throw new ProblemError(400, 'secret_in_path', `that is a token secret, not its id: revoke by the id${publicId ? ` (${publicId})` : ''}, and treat the secret as exposed`);
    }
    if (!/^[a-z2-7]{12}$/.test(id)) throw new ProblemError(400, 'invalid_name', 'a token id is 12 characters of [a-z2-7]');
    const missing = new ProblemError(404, 'not_found', `token ${id} not found`);
    const record = await getToken(deps.store, id);
    if (!record) {
      // Same answers as for a token that exists elsewhere: 401 without credentials, else 404.
      if (c.get('principal').kind === 'anonymous') throw new ProblemError(401, 'unauthenticated', 'credentials required', {}, CHALLENGE);
      throw missing;
    }
    const principal = requireAccess(c, { tenant: record.tenant, action: 'admin', withinTokenRepos: true }, false, { notFound: missing });
    if (principal.kind === 'token' && principal.repos !== null) {
      const mine = principal.repos;
      if (record.repos === null || !record.repos.every((r) => mine.includes(r))) {
        throw new ProblemError(403, 'forbidden', 'a token limited to some repos can only revoke tokens limited to those repos');
      }
    }
    await revokeToken(deps.store, id);
    // Every worker of this server forgets it before the 204: revocation is effective at once.
    await deps.cache?.forgetToken(id);
    await appendAudit(deps.store, record.tenant, {
      actor: actorOf(principal), action: 'token.revoke', target: id, details: {},
    }, deps.clock());
    return c.body(null, 204);
  });

  return app;
}

const AUTH = { 401: ['unauthenticated', 'invalid_token'], 403: ['forbidden'] };

export const tokenRouteDocs: RouteDoc[] = [
  {
    method: 'post', path: '/api/v1/tenants/{tenant}/tokens', summary: 'Create an API token (the secret is in this response only)',
    access: 'admin', body: tokenCreateSchema, responses: { 201: tokenCreatedSchema },
    problems: { 400: ['invalid_request', 'invalid_name'], ...AUTH, 404: ['not_found'] },
  },
  {
    method: 'get', path: '/api/v1/tenants/{tenant}/tokens', summary: "The tenant's tokens (never their secrets)", access: 'admin',
    responses: { 200: tokenListSchema }, problems: { ...AUTH, 404: ['not_found'] },
  },
  {
    method: 'delete', path: '/api/v1/tokens/{id}', summary: 'Revoke a token (admin of its tenant); effective at once', access: 'admin',
    responses: { 204: null }, problems: { 400: ['invalid_name', 'secret_in_path'], ...AUTH, 404: ['not_found'] },
  },
];
