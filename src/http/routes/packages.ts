/**
 * Package API: PUT (publish, body = the RPM, streamed to storage), GET (the index), DELETE.
 * The upload is never buffered: `c.req.raw.body` goes straight into the publish pipeline,
 * which counts it and refuses with 413 the moment it passes the limit. A client that disconnects
 * mid-body gets 499 `client_closed_request` (request-body.ts): nothing is stored, nothing logged
 * as an error.
 */
import { Hono } from 'hono';
import { z } from 'zod';
import { decodeCursor, encodeCursor, readPackagePage } from '../../repo/index-page.js';
import { indexSigner } from '../../repo/index-entry.js';
import { deletePackage, publishPackage } from '../../repo/publish.js';
import { tooLarge } from '../../repo/errors.js';
import { isCompleteMirror } from '../../repo/mirror-config.js';
import { parsePackageRef } from '../../repo/package-ref.js';
import type { RepoTenancy } from '../../repo/tenancy.js';
import { storeTenancy } from '../../repo/tenancy-bindings.js';
import type { AppDeps } from '../deps.js';
import type { AppEnv } from '../env.js';
import { actorOf, requireAccess, requireRepoAccess } from '../middleware/auth.js';
import type { RouteDoc } from '../openapi.js';
import { ProblemError } from '../problem.js';
import { clientBody } from '../request-body.js';

const signer = z.object({ fingerprint: z.string(), keyId: z.string(), algorithm: z.string() }).nullable();

export const publishedPackageSchema = z.object({
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  nevra: z.string(),
  name: z.string(),
  epoch: z.number().int(),
  version: z.string(),
  release: z.string(),
  arch: z.string(),
  size: z.number().int(),
  location: z.string(),
  addedAt: z.number().int(),
  signer,
  revision: z.number().int(),
});

const indexEntrySchema = publishedPackageSchema.omit({ nevra: true, revision: true }).extend({ filename: z.string() });
export const packageListSchema = z.object({
  revision: z.number().int(), updatedAt: z.number().int(), count: z.number().int().describe('packages in the repo (unfiltered)'),
  packages: z.array(indexEntrySchema),
  next: z.string().nullable().describe('pass as `after` for the next page; null on the last page'),
});
export const packageListQuerySchema = z.object({
  name: z.string().min(1).optional().describe('only packages of this name (exact)'),
  arch: z.string().min(1).optional().describe('only packages of this arch (exact, e.g. x86_64, noarch, src)'),
  limit: z.coerce.number().int().min(1).max(1000).default(1000).describe('packages per page (1-1000, default 1000)'),
  after: z.string().min(1).optional().describe('the `next` of the previous page'),
});

const PACKAGES = '/api/v1/repos/{tenant}/{repo}/packages';

export const packageRouteDocs: RouteDoc[] = [
  {
    method: 'put', path: PACKAGES, summary: 'Publish a package (body: the RPM file)', access: 'publish', body: 'binary',
    responses: { 200: publishedPackageSchema, 201: publishedPackageSchema },
    problems: {
      401: ['unauthenticated', 'invalid_token'], 403: ['forbidden'], 404: ['not_found'],
      409: ['nevra_conflict', 'location_conflict', 'mirror_repo'], 413: ['package_too_large'],
      422: ['not_an_rpm', 'delta_rpm', 'unsigned', 'untrusted_key', 'bad_signature', 'digest_mismatch', 'weak_algorithm', 'unrepresentable_metadata', 'invalid_package_name'],
      503: ['busy'],
    },
  },
  {
    method: 'get', path: PACKAGES,
    summary: 'A page of the packages of a repo (createrepo_c order), optionally only those of one name and/or arch; `next` names the following page (a page may be short, even empty, and still have a next)',
    access: 'read',
    query: packageListQuerySchema,
    responses: { 200: packageListSchema }, problems: { 400: ['invalid_request'], 401: ['unauthenticated'], 403: ['forbidden'], 404: ['not_found'] },
  },
  {
    method: 'delete', path: `${PACKAGES}/{package}`,
    summary: 'Remove a package from a repo (its file stays until GC), named by its sha256, a unique prefix of it (at least 6 hex digits) or its NEVRA (name-[epoch:]version-release.arch); an ambiguous prefix is 409 with the candidates',
    access: 'publish',
    responses: { 200: publishedPackageSchema },
    problems: {
      400: ['invalid_sha256', 'invalid_package_ref'], 401: ['unauthenticated'], 403: ['forbidden'], 404: ['not_found', 'package_not_found'],
      409: ['mirror_repo', 'ambiguous_package'], 503: ['busy'],
    },
  },
];

export interface PackageRouteOptions {
  tenancy?: RepoTenancy;
}

export function packageRoutes(deps: AppDeps, options: PackageRouteOptions = {}): Hono<AppEnv> {
  const tenancy = options.tenancy ?? storeTenancy;
  const app = new Hono<AppEnv>();

  app.put('/api/v1/repos/:tenant/:repo/packages', async (c) => {
    const { tenant, repo } = c.req.param();
    requireAccess(c, { tenant, repo, action: 'publish' });
    const declared = c.req.header('content-length');
    const contentLength = declared !== undefined && /^\d+$/.test(declared) ? Number(declared) : null;
    if (contentLength !== null && contentLength > deps.config.maxUploadBytes) throw tooLarge(deps.config.maxUploadBytes);
    const result = await publishPackage(deps, tenancy, {
      tenant, repo, body: clientBody(c.req.raw), contentLength, actor: actorOf(c.get('principal')),
    });
    return c.json(result.body, result.status, result.status === 201 ? { location: `${c.req.path}/${result.body.sha256}` } : {});
  });

  app.get('/api/v1/repos/:tenant/:repo/packages', async (c) => {
    const { tenant, repo } = c.req.param();
    // A public repo's list is public, like its primary.xml and changes feed; another tenant's
    // private repo looks (and costs) exactly like a missing one.
    await requireRepoAccess(c.get('principal'), { tenant, repo, action: 'read' }, () => tenancy.getRepo(deps.store, tenant, repo));
    const q = packageListQuerySchema.safeParse(c.req.query());
    if (!q.success) throw new ProblemError(400, 'invalid_request', `bad query: ${q.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
    const { name, arch, limit, after } = q.data;
    const cursor = after === undefined ? undefined : decodeCursor(after);
    if (cursor === null) throw new ProblemError(400, 'invalid_request', 'bad query: after: not a cursor this API gave out (use the previous page\'s "next")');
    // Upstream file names (complete mirrors) need not start with the package name.
    const nameRange = name === undefined || !(await isCompleteMirror(deps.store, tenant, repo));
    const page = await readPackagePage(deps.store, tenant, repo, {
      limit, nameRange, ...(name !== undefined ? { name } : {}), ...(arch !== undefined ? { arch } : {}), ...(cursor ? { after: cursor } : {}),
    });
    // entries written before fingerprints were upper-cased show them as everything else does
    const packages = page.packages.map((p) => ({ ...p, signer: indexSigner(p.signer) }));
    return c.json({ revision: page.revision, updatedAt: page.updatedAt, count: page.count, packages, next: page.next ? encodeCursor(page.next) : null }, 200);
  });

  app.delete('/api/v1/repos/:tenant/:repo/packages/:package', async (c) => {
    const { tenant, repo } = c.req.param();
    requireAccess(c, { tenant, repo, action: 'publish' });
    const ref = parsePackageRef(c.req.param('package'));
    const removed = await deletePackage(deps, tenancy, { tenant, repo, ref, actor: actorOf(c.get('principal')) });
    return c.json(removed, 200);
  });

  return app;
}
