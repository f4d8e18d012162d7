/** Trusted publisher keys, tenant-wide and per repo. */
import { Hono, type Context } from 'hono';
import type { KeyInfo } from '../../core/pgp/keyring.js';
import { appendAudit } from '../../repo/audit.js';
import { getRepo } from '../../repo/repos.js';
import { addTrustedKey, listTrustedKeys, removeTrustedKey, type KeyScope } from '../../repo/trusted-keys.js';
import type { AppDeps } from '../deps.js';
import type { AppEnv } from '../env.js';
import { actorOf, requireAccess, requireRepoAccess } from '../middleware/auth.js';
import type { RouteDoc } from '../openapi.js';
import { ProblemError } from '../problem.js';
import { textBody } from '../validate.js';
import { keyListSchema, keySchema } from './admin-schemas.js';
import { requireTenant } from './admin-tenants.js';

/** Armored public keys are a few KiB; 256 KiB leaves room for many signatures on a key. */
const MAX_KEY_BYTES = 256 * 1024;

export function keyJson(info: KeyInfo, scope: 'tenant' | 'repo') {
  return {
    fingerprint: info.fingerprint.toUpperCase(),
    keyId: info.keyId.toUpperCase(),
    algorithm: info.algorithm,
    userIds: info.userIds,
    created: info.created.toISOString(),
    expires: info.expires ? info.expires.toISOString() : null,
    scope,
  };
}

function targetOf(scope: KeyScope): string {
  return scope.repo === undefined ? scope.tenant : `${scope.tenant}/${scope.repo}`;
}

export function keyRoutes(deps: AppDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();

  /** Authorizes, then 404s for a missing tenant/repo. Returns the scope and the principal. */
  async function scoped(c: Context<AppEnv>, action: 'read' | 'admin') {
    const tenant = c.req.param('tenant') as string;
    const repo = c.req.param('repo');
    if (repo === undefined) {
      const principal = requireAccess(c, { tenant, action });
      await requireTenant(deps, tenant);
      return { scope: { tenant } as KeyScope, principal };
    }
    const principal = c.get('principal');
    await requireRepoAccess(principal, { tenant, repo, action }, () => getRepo(deps.store, tenant, repo));
    return { scope: { tenant, repo } as KeyScope, principal };
  }

  const add = async (c: Context<AppEnv>) => {
    const { scope, principal } = await scoped(c, 'admin');
    const armored = await textBody(c, MAX_KEY_BYTES);
    const now = deps.clock();
    const info = await addTrustedKey(deps.store, scope, armored, now);
    const kind = scope.repo === undefined ? 'tenant' : 'repo';
    await appendAudit(deps.store, scope.tenant, {
      actor: actorOf(principal), action: 'key.add', target: targetOf(scope),
      details: { fingerprint: info.fingerprint.toUpperCase(), algorithm: info.algorithm, userIds: info.userIds },
    }, now);
    return c.json(keyJson(info, kind), 201);
  };

  const list = async (c: Context<AppEnv>) => {
    const { scope } = await scoped(c, 'read');
    const kind = scope.repo === undefined ? 'tenant' : 'repo';
    const keys = (await listTrustedKeys(deps.store, scope)).map((k) => keyJson(k, kind));
    return c.json({ keys });
  };

  const remove = async (c: Context<AppEnv>) => {
    const { scope, principal } = await scoped(c, 'admin');
    const fpr = c.req.param('fpr') as string;
    if (!(await removeTrustedKey(deps.store, scope, fpr))) {
      throw new ProblemError(404, 'not_found', `key ${fpr.toUpperCase()} not found`);
    }
    await appendAudit(deps.store, scope.tenant, {
      actor: actorOf(principal), action: 'key.remove', target: targetOf(scope), details: { fingerprint: fpr.toUpperCase() },
    }, deps.clock());
    return c.body(null, 204);
  };

  app.post('/api/v1/tenants/:tenant/keys', add);
  app.post('/api/v1/repos/:tenant/:repo/keys', add);
  app.get('/api/v1/tenants/:tenant/keys', list);
  app.get('/api/v1/repos/:tenant/:repo/keys', list);
  app.delete('/api/v1/tenants/:tenant/keys/:fpr', remove);
  app.delete('/api/v1/repos/:tenant/:repo/keys/:fpr', remove);
  return app;
}

const AUTH = { 401: ['unauthenticated', 'invalid_token'], 403: ['forbidden'] };
const ADD_PROBLEMS = { 400: ['invalid_request', 'invalid_name'], ...AUTH, 404: ['not_found'], 413: ['body_too_large'], 422: ['invalid_key'] };

export const keyRouteDocs: RouteDoc[] = [
  {
    method: 'post', path: '/api/v1/tenants/{tenant}/keys', summary: 'Trust a publisher key for every repo of the tenant (armored public key body)',
    access: 'admin', body: 'binary', responses: { 201: keySchema }, problems: ADD_PROBLEMS,
  },
  {
    method: 'post', path: '/api/v1/repos/{tenant}/{repo}/keys', summary: 'Trust a publisher key for one repo (armored public key body)',
    access: 'admin', body: 'binary', responses: { 201: keySchema }, problems: ADD_PROBLEMS,
  },
  {
    method: 'get', path: '/api/v1/tenants/{tenant}/keys', summary: 'Tenant-wide trusted keys', access: 'read',
    responses: { 200: keyListSchema }, problems: { ...AUTH, 404: ['not_found'] },
  },
  {
    method: 'get', path: '/api/v1/repos/{tenant}/{repo}/keys', summary: "A repo's own trusted keys", access: 'read',
    responses: { 200: keyListSchema }, problems: { ...AUTH, 404: ['not_found'] },
  },
  {
    method: 'delete', path: '/api/v1/tenants/{tenant}/keys/{fpr}', summary: 'Stop trusting a tenant-wide key', access: 'admin',
    responses: { 204: null }, problems: { 400: ['invalid_name'], ...AUTH, 404: ['not_found'] },
  },
  {
    method: 'delete', path: '/api/v1/repos/{tenant}/{repo}/keys/{fpr}', summary: 'Stop trusting a repo key', access: 'admin',
    responses: { 204: null }, problems: { 400: ['invalid_name'], ...AUTH, 404: ['not_found'] },
  },
];
