/**
 * Promotion (docs/service.md, Promotion): POST /api/v1/repos/{t}/{r}/promote copies — or, with
 * `move`, moves — packages of repo r into another repo of the tenant, selected by NEVRA, name glob
 * or sha256, optionally with what they require from r. Needs read on r (publish for a move) and
 * publish on the target; the target's trust policy applies (422 `untrusted_key`, …).
 */
import { Hono } from 'hono';
import { z } from 'zod';
import { getRepo } from '../../repo/repos.js';
import { promotePackages } from '../../repo/promote.js';
import { storeTenancy } from '../../repo/tenancy-bindings.js';
import type { AppDeps } from '../deps.js';
import type { AppEnv } from '../env.js';
import { actorOf, requirePrincipalAccess, requireRepoAccess } from '../middleware/auth.js';
import type { RouteDoc } from '../openapi.js';
import { jsonBody } from '../validate.js';

const list = (what: string) => z.array(z.string().min(1).max(512)).max(1000).default([]).describe(what);

const promoteSchema = z.object({
  to: z.string().min(1).max(128).describe('the target repository (same tenant)'),
  nevra: list('exact NEVRAs: name-[epoch:]version-release.arch'),
  names: list('package name globs (*, ?, [...]): every version of each matching name'),
  sha256: list('full sha256 of package files'),
  move: z.boolean().default(false).describe('remove the selected packages (not their dependencies) from the source afterwards'),
  dependencies: z.boolean().default(false).describe('also copy what the selected packages require from the source, recursively (newest provider of each requirement)'),
  dryRun: z.boolean().default(false).describe('list what would be promoted, change nothing'),
});

const promotedSchema = z.object({
  sha256: z.string(), nevra: z.string(), name: z.string(), arch: z.string(), location: z.string(),
  status: z.enum(['added', 'present', 'planned']), dependency: z.boolean(),
  addedAt: z.number().int().describe('<time file> in the target: when the package entered it (seconds)'),
});
const resultSchema = z.object({
  from: z.string(), to: z.string(), move: z.boolean(), dryRun: z.boolean(), packages: z.array(promotedSchema),
  unresolved: z.array(z.string()).describe('requirements nothing in the source provides (the system may)'),
  revision: z.number().int(), sourceRevision: z.number().int().nullable(),
  advisories: z.array(z.object({ id: z.string(), outcome: z.enum(['created', 'unchanged', 'replaced', 'planned']) }))
    .describe('the source\'s advisories naming a promoted package, merged into the target (pruned to the packages it holds)'),
});

export const promoteRouteDocs: RouteDoc[] = [{
  method: 'post', path: '/api/v1/repos/{tenant}/{repo}/promote',
  summary: 'Copy or move packages into another repo of the tenant without uploading them again (the target\'s trust policy applies)',
  access: 'publish', body: promoteSchema, responses: { 200: resultSchema },
  problems: {
    400: ['invalid_request', 'too_many_packages'], 401: ['unauthenticated', 'invalid_token'], 403: ['forbidden'], 404: ['not_found', 'package_not_found'],
    409: ['mirror_repo', 'nevra_conflict'], 413: ['body_too_large'],
    422: ['untrusted_key', 'unsigned', 'bad_signature', 'digest_mismatch', 'weak_algorithm', 'unrepresentable_metadata'], 503: ['busy'],
  },
}];

export function promoteRoutes(deps: AppDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.post('/api/v1/repos/:tenant/:repo/promote', async (c) => {
    const tenant = c.req.param('tenant');
    const from = c.req.param('repo');
    const principal = c.get('principal');
    // publish on the target is always needed: anonymous callers are refused before any repo is read
    if (principal.kind === 'anonymous') requirePrincipalAccess(principal, { tenant, repo: from, action: 'publish' });
    const body = await jsonBody(c, promoteSchema);
    // the target first: a caller who may not publish there is refused before the source is read
    await requireRepoAccess(principal, { tenant, repo: body.to, action: 'publish' }, () => getRepo(deps.store, tenant, body.to));
    await requireRepoAccess(principal, { tenant, repo: from, action: body.move ? 'publish' : 'read' }, () => getRepo(deps.store, tenant, from));
    const result = await promotePackages(deps, storeTenancy, { tenant, from, ...body, actor: actorOf(principal) });
    return c.json(result);
  });
  return app;
}
