/**
 * The changes feed for edge appliances (docs/sync.md): `GET /api/v1/repos/{t}/{r}/changes?since=REV`
 * → packages added and removed since index revision REV. Read access; public repos answer
 * anonymously, like their dnf paths. The access check comes before the existence check, so
 * another tenant's private repo answers exactly like a missing one.
 */
import { Hono } from 'hono';
import { z } from 'zod';
import { changesSince, ChangesRangeError } from '../../repo/changes-feed.js';
import type { RepoTenancy } from '../../repo/tenancy.js';
import { storeTenancy } from '../../repo/tenancy-bindings.js';
import type { AppDeps } from '../deps.js';
import type { AppEnv } from '../env.js';
import { requireRepoAccess } from '../middleware/auth.js';
import type { RouteDoc } from '../openapi.js';
import { ProblemError } from '../problem.js';
import { invalidRequest } from '../validate.js';

const revision = z.string().regex(/^\d{1,12}$/, 'an index revision: 0..999999999999').transform(Number);

export const changesQuerySchema = z.object({
  since: revision,
  until: revision.optional(),
});

const sha256 = z.string().regex(/^[0-9a-f]{64}$/);

export const changesSchema = z.object({
  from: z.number().int(),
  to: z.number().int(),
  added: z.array(z.object({ sha256, location: z.string(), size: z.number().int(), nevra: z.string(), addedAt: z.number().int() })),
  removed: z.array(z.object({ sha256, location: z.string() })),
  metadata: z.array(z.string()).describe('repomd types besides the package files that changed in the range: updateinfo (advisories), group and group_gz (comps), modules'),
  /** false: `added` is the full package list at `to` (the client does a full sync). */
  complete: z.boolean(),
});

export const changesRouteDocs: RouteDoc[] = [
  {
    method: 'get', path: '/api/v1/repos/{tenant}/{repo}/changes',
    summary: 'Packages added and removed, and metadata (advisories, groups, modules) changed, since an index revision (complete=false: full list, do a full sync)',
    access: 'read', query: changesQuerySchema, responses: { 200: changesSchema },
    problems: { 400: ['invalid_request', 'invalid_range'], 401: ['unauthenticated', 'invalid_token'], 403: ['forbidden'], 404: ['not_found'] },
  },
];

export interface ChangesRouteOptions {
  tenancy?: RepoTenancy;
}

export function changesRoutes(deps: AppDeps, options: ChangesRouteOptions = {}): Hono<AppEnv> {
  const tenancy = options.tenancy ?? storeTenancy;
  const app = new Hono<AppEnv>();

  app.get('/api/v1/repos/:tenant/:repo/changes', async (c) => {
    const { tenant, repo } = c.req.param();
    const settings = await requireRepoAccess(c.get('principal'), { tenant, repo, action: 'read' }, () => tenancy.getRepo(deps.store, tenant, repo));
    const q = changesQuerySchema.safeParse(c.req.query());
    if (!q.success) throw invalidRequest('invalid query', q.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })));
    try {
      const feed = await changesSince(deps.store, tenant, repo, q.data.since, q.data.until);
      return c.json(feed, 200, { 'cache-control': `${settings.public ? 'public' : 'private'}, no-cache` });
    } catch (e) {
      if (e instanceof ChangesRangeError) throw new ProblemError(400, 'invalid_range', e.message);
      throw e;
    }
  });

  return app;
}
