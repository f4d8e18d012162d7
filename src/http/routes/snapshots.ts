/**
 * Snapshots API (docs/service.md, Snapshots): POST freezes the repo's served generation under a
 * name (publish), GET lists or shows them (read), DELETE removes one (admin). dnf reads a
 * snapshot at `/{t}/{r}/snapshots/{name}/` (snapshot-dnf.ts).
 */
import { Hono } from 'hono';
import { z } from 'zod';
import { createSnapshot, deleteSnapshot, listSnapshots, readSnapshot, snapshotMissing, type SnapshotRecord } from '../../repo/snapshots.js';
import { storeTenancy } from '../../repo/tenancy-bindings.js';
import { isValidSnapshotName } from '../../storage/keys.js';
import type { AppDeps } from '../deps.js';
import type { AppEnv } from '../env.js';
import { actorOf, repoRoute } from '../middleware/auth.js';
import type { RouteDoc } from '../openapi.js';
import { ProblemError } from '../problem.js';
import { jsonBody } from '../validate.js';
import type { SnapshotRecords } from './snapshot-dnf.js';

const SNAPSHOTS = '/api/v1/repos/{tenant}/{repo}/snapshots';

const createSchema = z.object({
  name: z.string().min(1).max(63).describe('1-63 chars of [a-z0-9._-], starting with a letter or digit (e.g. 2025-06-01, release-4.2)'),
});
const snapshotSchema = z.object({
  name: z.string(), createdAt: z.string(), createdBy: z.string(), revision: z.number().int(), packages: z.number().int(),
  path: z.string().describe('where dnf reads it: /{tenant}/{repo}/snapshots/{name}/ (use as baseurl)'),
});
const listSchema = z.object({ snapshots: z.array(snapshotSchema) });

const AUTH = { 401: ['unauthenticated', 'invalid_token'], 403: ['forbidden'] };

export const snapshotRouteDocs: RouteDoc[] = [
  {
    method: 'post', path: SNAPSHOTS, summary: "Freeze the repo's served metadata and packages under a name", access: 'publish',
    body: createSchema, responses: { 201: snapshotSchema },
    problems: { 400: ['invalid_request', 'invalid_name'], ...AUTH, 404: ['not_found'], 409: ['snapshot_exists', 'no_metadata', 'metadata_outdated'], 413: ['body_too_large'], 503: ['busy'] },
  },
  { method: 'get', path: SNAPSHOTS, summary: "The repo's snapshots", access: 'read', responses: { 200: listSchema }, problems: { ...AUTH, 404: ['not_found'] } },
  {
    method: 'get', path: `${SNAPSHOTS}/{name}`, summary: 'One snapshot', access: 'read', responses: { 200: snapshotSchema },
    problems: { 400: ['invalid_name'], ...AUTH, 404: ['not_found', 'snapshot_not_found'] },
  },
  {
    method: 'delete', path: `${SNAPSHOTS}/{name}`, summary: 'Delete a snapshot (its packages stay while the repo or another snapshot has them)', access: 'admin',
    responses: { 200: snapshotSchema }, problems: { 400: ['invalid_name'], ...AUTH, 404: ['not_found', 'snapshot_not_found'] },
  },
];

function view(tenant: string, repo: string, s: SnapshotRecord) {
  return { name: s.name, createdAt: s.createdAt, createdBy: s.createdBy, revision: s.revision, packages: s.packages, path: `/${tenant}/${repo}/snapshots/${s.name}/` };
}

function checkedName(name: string): string {
  if (!isValidSnapshotName(name)) {
    throw new ProblemError(400, 'invalid_name', `invalid snapshot name ${JSON.stringify(name.slice(0, 100))}: 1-63 chars of [a-z0-9._-], starting with a letter or digit, no ".."`);
  }
  return name;
}

export function snapshotRoutes(deps: AppDeps, records: SnapshotRecords): Hono<AppEnv> {
  const app = new Hono<AppEnv>();


  app.post('/api/v1/repos/:tenant/:repo/snapshots', async (c) => {
    const { tenant, repo, principal } = await repoRoute(c, deps.store, 'publish');
    const name = checkedName((await jsonBody(c, createSchema)).name);
    const record = await createSnapshot(deps.store, storeTenancy, tenant, repo, name, actorOf(principal), deps.clock());
    records.forget(tenant, repo, name);
    return c.json(view(tenant, repo, record), 201, { location: `/api/v1/repos/${tenant}/${repo}/snapshots/${name}` });
  });

  app.get('/api/v1/repos/:tenant/:repo/snapshots', async (c) => {
    const { tenant, repo } = await repoRoute(c, deps.store, 'read');
    return c.json({ snapshots: (await listSnapshots(deps.store, tenant, repo)).map((s) => view(tenant, repo, s)) });
  });

  app.get('/api/v1/repos/:tenant/:repo/snapshots/:name', async (c) => {
    const { tenant, repo } = await repoRoute(c, deps.store, 'read');
    const name = checkedName(c.req.param('name'));
    const record = await readSnapshot(deps.store, tenant, repo, name);
    if (!record) throw snapshotMissing(tenant, repo, name);
    return c.json(view(tenant, repo, record));
  });

  app.delete('/api/v1/repos/:tenant/:repo/snapshots/:name', async (c) => {
    const { tenant, repo, principal } = await repoRoute(c, deps.store, 'admin');
    const name = checkedName(c.req.param('name'));
    const record = await deleteSnapshot(deps.store, storeTenancy, tenant, repo, name, actorOf(principal), deps.clock());
    records.forget(tenant, repo, name);
    return c.json(view(tenant, repo, record));
  });

  return app;
}
