/**
 * Package API: PUT (publish, body = the RPM, streamed to storage), GET (the index), DELETE.
 * The upload is never buffered: `c.req.raw.body` goes straight into the publish pipeline,
 * which counts it and refuses with 413 the moment it passes the limit. A client that disconnects
 * mid-body gets 499 `client_closed_request` (request-body.ts): nothing is stored, nothing logged
 * as an error.
 */
import { Hono } from 'hono';
import { z } from 'zod';
import { readIndex } from '../../repo/index-store.js';
import { indexSigner } from '../../repo/index-entry.js';
import { deletePackage, publishPackage } from '../../repo/publish.js';
import { tooLarge } from '../../repo/errors.js';
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
export const packageListSchema = z.object({ revision: z.number().int(), updatedAt: z.number().int(), packages: z.array(indexEntrySchema) });
export const packageListQuerySchema = z.object({
  name: z.string().min(1).optional().describe('only packages of this name (exact)'),
  arch: z.string().min(1).optional().describe('only packages of this arch (exact, e.g. x86_64, noarch, src)'),
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
    method: 'get', path: PACKAGES, summary: 'List the packages of a repo (the index), optionally only those of one name and/or arch', access: 'read',
    query: packageListQuerySchema,
    responses: { 200: packageListSchema }, problems: { 400: ['invalid_request'], 401: ['unauthenticated'], 403: ['forbidden'], 404: ['not_found'] },
  },
  {
    method: 'delete', path: `${PACKAGES}/{sha256}`, summary: 'Remove a package from a repo (its file stays until GC)', access: 'publish',
    responses: { 200: publishedPackageSchema },
    problems: { 400: ['invalid_sha256'], 401: ['unauthenticated'], 403: ['forbidden'], 404: ['not_found', 'package_not_found'], 409: ['mirror_repo'], 503: ['busy'] },
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
    const { name, arch } = q.data;
    const { index } = await readIndex(deps.store, tenant, repo);
    const packages = index.packages
      .filter((p) => (name === undefined || p.name === name) && (arch === undefined || p.arch === arch))
      // entries written before fingerprints were upper-cased show them as everything else does
      .map((p) => ({ ...p, signer: indexSigner(p.signer) }));
    return c.json({ ...index, packages }, 200);
  });

  app.delete('/api/v1/repos/:tenant/:repo/packages/:sha256', async (c) => {
    const { tenant, repo } = c.req.param();
    requireAccess(c, { tenant, repo, action: 'publish' });
    const sha256 = c.req.param('sha256').toLowerCase();
    if (!/^[0-9a-f]{64}$/.test(sha256)) throw new ProblemError(400, 'invalid_sha256', 'the package is named by the sha256 of its file: 64 hex digits');
    const removed = await deletePackage(deps, tenancy, { tenant, repo, sha256, actor: actorOf(c.get('principal')) });
    return c.json(removed, 200);
  });

  return app;
}
