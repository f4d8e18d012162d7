/**
 * Changing and deleting what was created (docs/service.md: Changing and deleting): repo update
 * and delete, tenant delete. Each authorizes before it reads anything, answers another tenant's
 * private repo like a missing one, and audits what it changed (a deleted tenant's own audit log
 * goes with it: its deletion is in the server log).
 */
import { Hono } from 'hono';
import { z } from 'zod';
import { appendAudit } from '../../repo/audit.js';
import { deleteRepo } from '../../repo/repo-delete.js';
import { updateRepo } from '../../repo/repo-update.js';
import { isTombstone, readRepoRecord } from '../../repo/repos.js';
import { deleteTenant } from '../../repo/tenant-delete.js';
import type { AppDeps } from '../deps.js';
import type { AppEnv } from '../env.js';
import { actorOf, requireAccess, requireRepoAccess } from '../middleware/auth.js';
import type { RouteDoc } from '../openapi.js';
import { invalidRequest, jsonBody } from '../validate.js';
import { repoSchema } from './admin-schemas.js';

export const repoPatchSchema = z.object({
  public: z.boolean().optional().describe('anonymous reads (dnf paths and read API routes)'),
  allowUnsigned: z.boolean().optional().describe('accept packages without a trusted signature (from the next publish on)'),
  description: z.string().max(500).nullable().optional().describe('free text; null or "" removes it'),
}).strict();

const deletionSchema = z.object({
  complete: z.literal(false),
  deleted: z.number().int().describe('keys removed by this request'),
  detail: z.string(),
});

const forceQuery = z.object({ force: z.enum(['1', 'true']).optional().describe('delete the tenant with all its repos') });

export function editRoutes(deps: AppDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();

  app.patch('/api/v1/repos/:tenant/:repo', async (c) => {
    const { tenant, repo } = c.req.param();
    const principal = c.get('principal');
    await requireRepoAccess(principal, { tenant, repo, action: 'admin' }, async () => (await readRepoRecord(deps.store, tenant, repo)) === null ? null : { public: false });
    const patch = await jsonBody(c, repoPatchSchema);
    const { after, changed } = await updateRepo(deps.store, tenant, repo, patch);
    if (Object.keys(changed).length > 0) {
      // visibility and signing policy are read through the serve cache: here at once, elsewhere within its TTL
      await deps.cache?.invalidateRepo(tenant, repo);
      await appendAudit(deps.store, tenant, { actor: actorOf(principal), action: 'repo.update', target: `${tenant}/${repo}`, details: { changed } }, deps.clock());
    }
    return c.json(after);
  });

  app.delete('/api/v1/repos/:tenant/:repo', async (c) => {
    const { tenant, repo } = c.req.param();
    const principal = c.get('principal');
    // a repo whose deletion did not finish is still the admin's to delete (the rest of it)
    await requireRepoAccess(principal, { tenant, repo, action: 'admin' }, async () => {
      const rec = await readRepoRecord(deps.store, tenant, repo);
      return rec === null || (isTombstone(rec.value) && rec.value.deleted.swept) ? null : { public: false };
    });
    const now = deps.clock();
    const result = await deleteRepo(deps.store, tenant, repo, actorOf(principal), now);
    await deps.cache?.invalidateRepo(tenant, repo);
    if (result.config) {
      await appendAudit(deps.store, tenant, {
        actor: actorOf(principal), action: 'repo.delete', target: `${tenant}/${repo}`,
        details: { packages: result.packages, complete: result.complete, createdAt: result.config.createdAt },
      }, now);
    }
    if (result.complete) return c.body(null, 204);
    return c.json({ complete: false, deleted: result.deleted, detail: `${tenant}/${repo} is deleted (no longer served); its remaining files are removed by the next garbage collection, or by repeating this request` }, 202);
  });

  app.delete('/api/v1/tenants/:tenant', async (c) => {
    const tenant = c.req.param('tenant');
    const principal = requireAccess(c, { tenant, action: 'admin', operatorOnly: true });
    const q = forceQuery.safeParse(c.req.query());
    if (!q.success) throw invalidRequest('force takes 1 or true');
    const result = await deleteTenant(deps.store, tenant, { force: q.data.force !== undefined, actor: actorOf(principal), now: deps.clock() });
    for (const id of result.tokens) await deps.cache?.forgetToken(id);
    for (const repo of result.repos) await deps.cache?.invalidateRepo(tenant, repo);
    deps.logger.info('tenant deleted', { tenant, repos: result.repos, tokens: result.tokens.length, complete: result.complete });
    if (result.complete) return c.body(null, 204);
    return c.json({ complete: false, deleted: result.deleted, detail: `tenant ${tenant} is deleted; its remaining files are removed by the next garbage collection, or by repeating this request` }, 202);
  });

  return app;
}

const AUTH = { 401: ['unauthenticated', 'invalid_token'], 403: ['forbidden'] };

export const editRouteDocs: RouteDoc[] = [
  {
    method: 'patch', path: '/api/v1/repos/{tenant}/{repo}', summary: 'Change a repo: public/private, allowUnsigned, description', access: 'admin',
    body: repoPatchSchema, responses: { 200: repoSchema }, problems: { 400: ['invalid_request'], ...AUTH, 404: ['not_found'] },
  },
  {
    method: 'delete', path: '/api/v1/repos/{tenant}/{repo}',
    summary: 'Delete a repo with its packages, metadata, generations and mirror configuration: 204 when everything is gone, 202 when it is no longer served and the rest is left to garbage collection (or a repeated request)',
    access: 'admin', responses: { 202: deletionSchema, 204: null }, problems: { ...AUTH, 404: ['not_found'] },
  },
  {
    method: 'delete', path: '/api/v1/tenants/{tenant}',
    summary: 'Delete a tenant (operator only): refused while it has repos unless force; revokes its tokens. 204 when everything is gone, 202 when the rest is left to garbage collection',
    access: 'operator', query: forceQuery, responses: { 202: deletionSchema, 204: null },
    problems: { 400: ['invalid_request'], ...AUTH, 404: ['not_found'], 409: ['tenant_not_empty'] },
  },
];
