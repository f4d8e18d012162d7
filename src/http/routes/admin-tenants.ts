/** Tenants, repos and the audit log. */
import { Hono } from 'hono';
import type { Principal } from '../../auth/principal.js';
import { appendAudit, auditAnchor, readAudit, verifyAuditChain } from '../../repo/audit.js';
import { createRepo, getRepo, listRepos } from '../../repo/repos.js';
import { createTenant, getTenant } from '../../repo/tenants.js';
import type { AppDeps } from '../deps.js';
import type { AppEnv } from '../env.js';
import { notFound } from '../errors.js';
import { actorOf, requireAccess, requireRepoAccess } from '../middleware/auth.js';
import type { RouteDoc } from '../openapi.js';
import { invalidRequest, jsonBody } from '../validate.js';
import {
  auditQuerySchema, auditSchema, repoCreateSchema, repoListSchema, repoSchema, tenantCreateSchema, tenantSchema,
} from './admin-schemas.js';

/** 404 unless the tenant exists (only the operator can get this far for a missing tenant). */
export async function requireTenant(deps: AppDeps, tenant: string): Promise<void> {
  if (!(await getTenant(deps.store, tenant))) throw notFound(tenant);
}

function visibleTo(principal: Principal, repo: string): boolean {
  return principal.kind !== 'token' || principal.repos === null || principal.repos.includes(repo);
}

export function tenantRoutes(deps: AppDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();

  app.post('/api/v1/tenants', async (c) => {
    const principal = requireAccess(c, { tenant: '*', action: 'admin', operatorOnly: true });
    const { name } = await jsonBody(c, tenantCreateSchema);
    const now = deps.clock();
    const tenant = await createTenant(deps.store, name, now);
    await appendAudit(deps.store, name, { actor: actorOf(principal), action: 'tenant.create', target: name, details: {} }, now);
    return c.json(tenant, 201);
  });

  app.get('/api/v1/tenants/:tenant', async (c) => {
    const t = c.req.param('tenant');
    requireAccess(c, { tenant: t, action: 'read' });
    const tenant = await getTenant(deps.store, t);
    if (!tenant) throw notFound(t);
    return c.json(tenant);
  });

  app.post('/api/v1/tenants/:tenant/repos', async (c) => {
    const t = c.req.param('tenant');
    const principal = requireAccess(c, { tenant: t, action: 'admin' });
    const body = await jsonBody(c, repoCreateSchema);
    const now = deps.clock();
    const repo = await createRepo(deps.store, {
      tenant: t, name: body.name, public: body.public, allowUnsigned: body.allowUnsigned, ...(body.description ? { description: body.description } : {}),
    }, now);
    // The serve cache may remember this name as missing (it does, for as long as it remembers a
    // repo): the new repo is served here (and by sibling workers) at once.
    await deps.cache?.invalidateRepo(t, repo.name);
    await appendAudit(deps.store, t, {
      actor: actorOf(principal),
      action: 'repo.create',
      target: `${t}/${repo.name}`,
      details: { public: repo.public, allowUnsigned: repo.allowUnsigned, metadataKey: repo.metadataKey.fingerprint },
    }, now);
    return c.json(repo, 201);
  });

  app.get('/api/v1/tenants/:tenant/repos', async (c) => {
    const t = c.req.param('tenant');
    const principal = requireAccess(c, { tenant: t, action: 'read' });
    await requireTenant(deps, t);
    const repos = (await listRepos(deps.store, t)).filter((r) => visibleTo(principal, r.name));
    return c.json({ repos });
  });

  app.get('/api/v1/repos/:tenant/:repo', async (c) => {
    const t = c.req.param('tenant');
    const r = c.req.param('repo');
    const repo = await requireRepoAccess(c.get('principal'), { tenant: t, repo: r, action: 'read' }, () => getRepo(deps.store, t, r));
    return c.json(repo);
  });

  app.get('/api/v1/tenants/:tenant/audit', async (c) => {
    const t = c.req.param('tenant');
    requireAccess(c, { tenant: t, action: 'admin' });
    await requireTenant(deps, t);
    const q = auditQuerySchema.safeParse(c.req.query());
    if (!q.success) throw invalidRequest('invalid query', q.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })));
    const { after, limit } = q.data;
    const anchor = await auditAnchor(deps.store, t, after);
    if (!anchor) throw invalidRequest(`there is no audit entry ${after}`);
    const entries = await readAudit(deps.store, t, { after, limit: limit + 1 });
    const more = entries.length > limit;
    const page = more ? entries.slice(0, limit) : entries;
    return c.json({
      entries: page,
      chainValid: await verifyAuditChain(page, anchor),
      next: more ? (page.at(-1)?.seq ?? null) : null,
    });
  });

  return app;
}

const NOT_FOUND = { 404: ['not_found'] };
const AUTH = { 401: ['unauthenticated', 'invalid_token'], 403: ['forbidden'] };

export const tenantRouteDocs: RouteDoc[] = [
  {
    method: 'post', path: '/api/v1/tenants', summary: 'Create a tenant', access: 'operator',
    body: tenantCreateSchema, responses: { 201: tenantSchema },
    problems: { 400: ['invalid_request', 'invalid_name'], ...AUTH, 409: ['tenant_exists', 'tenant_deleting'] },
  },
  {
    method: 'get', path: '/api/v1/tenants/{tenant}', summary: 'Get a tenant', access: 'read',
    responses: { 200: tenantSchema }, problems: { ...AUTH, ...NOT_FOUND },
  },
  {
    method: 'post', path: '/api/v1/tenants/{tenant}/repos', summary: 'Create a repo (with its metadata signing key)', access: 'admin',
    body: repoCreateSchema, responses: { 201: repoSchema },
    problems: { 400: ['invalid_request', 'invalid_name'], ...AUTH, ...NOT_FOUND, 409: ['repo_exists', 'repo_deleting'] },
  },
  {
    method: 'get', path: '/api/v1/tenants/{tenant}/repos', summary: 'List the repos a credential can see', access: 'read',
    responses: { 200: repoListSchema }, problems: { ...AUTH, ...NOT_FOUND },
  },
  {
    method: 'get', path: '/api/v1/repos/{tenant}/{repo}', summary: 'Get a repo', access: 'read',
    responses: { 200: repoSchema }, problems: { ...AUTH, ...NOT_FOUND },
  },
  {
    method: 'get', path: '/api/v1/tenants/{tenant}/audit',
    summary: 'A page of the audit log and whether its hash chain verifies (linked to entry `after`); `next` is the following page\'s `after`',
    access: 'admin', query: auditQuerySchema, responses: { 200: auditSchema }, problems: { 400: ['invalid_request'], ...AUTH, ...NOT_FOUND },
  },
];
