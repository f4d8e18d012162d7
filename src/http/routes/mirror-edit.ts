/**
 * Changing and removing a mirror configuration (docs/mirror.md): PATCH …/mirror changes the
 * fields it names, DELETE …/mirror makes the repo an ordinary repo again (repo/mirror-edit.ts).
 */
import { Hono, type Context } from 'hono';
import { z } from 'zod';
import { appendAudit } from '../../repo/audit.js';
import { MirrorConfigError, mirrorInputSchema, type MirrorInput } from '../../repo/mirror-config.js';
import { patchMirror, removeMirror } from '../../repo/mirror-edit.js';
import { MirrorError } from '../../mirror/errors.js';
import { keyFingerprints } from '../../mirror/repomd-signature.js';
import { isMirrorRunning } from '../../mirror/run.js';
import type { AppDeps } from '../deps.js';
import type { AppEnv } from '../env.js';
import { actorOf, repoRoute } from '../middleware/auth.js';
import type { RouteDoc } from '../openapi.js';
import { ProblemError } from '../problem.js';
import { jsonBody } from '../validate.js';

/** Every field of the configuration, none required, no defaults: what is absent stays as it is. */
export const mirrorPatchSchema = z.object(Object.fromEntries(Object.entries(mirrorInputSchema.shape).map(([k, v]) => {
  const field = v as z.ZodType;
  return [k, (field instanceof z.ZodDefault ? (field.unwrap() as z.ZodType) : field).optional()];
}))).strict();

const MIRROR = '/api/v1/repos/{tenant}/{repo}/mirror';
const AUTH = { 401: ['unauthenticated', 'invalid_token'], 403: ['forbidden'] };

export const mirrorEditRouteDocs: RouteDoc[] = [
  {
    method: 'patch', path: MIRROR, summary: 'Change fields of the mirror configuration (the others keep their values; the mode cannot change)', access: 'admin',
    body: mirrorPatchSchema, responses: { 200: z.object({ from: z.string(), mode: z.string(), updatedAt: z.string() }).passthrough() },
    problems: { 400: ['invalid_request', 'invalid_mirror', 'mirror_key_required'], ...AUTH, 404: ['not_found', 'mirror_not_configured'], 409: ['mirror_running'], 422: ['invalid_key'] },
  },
  {
    method: 'delete', path: MIRROR,
    summary: 'Stop mirroring: the repo becomes an ordinary repo (a filtered mirror keeps its packages; a complete mirror\'s packages, upstream\'s, go with it)',
    access: 'admin', responses: { 204: null }, problems: { ...AUTH, 404: ['not_found', 'mirror_not_configured'], 409: ['mirror_running'] },
  },
];

export function mirrorEditRoutes(deps: AppDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();

  async function repoOf(c: Context<AppEnv>) {
    const { tenant, repo, principal } = await repoRoute(c, deps.store, 'admin');
    // a run in this process would publish what it fetched for the configuration it started with
    if (isMirrorRunning(tenant, repo)) throw new ProblemError(409, 'mirror_running', `a mirror run for ${tenant}/${repo} is in progress: try again when it ends`);
    return { tenant, repo, principal };
  }
  const notConfigured = (tenant: string, repo: string) => new ProblemError(404, 'mirror_not_configured', `${tenant}/${repo} is not a mirror`);

  app.patch('/api/v1/repos/:tenant/:repo/mirror', async (c) => {
    const { tenant, repo, principal } = await repoOf(c);
    const patch = (await jsonBody(c, mirrorPatchSchema)) as Partial<MirrorInput>;
    const now = deps.clock();
    let config;
    try {
      config = await patchMirror(deps.store, tenant, repo, patch, now);
      if (config?.key) await keyFingerprints(config.key);
    } catch (e) {
      if (e instanceof MirrorConfigError) throw new ProblemError(400, e.code, e.message);
      if (e instanceof MirrorError) throw new ProblemError(422, e.code, e.message);
      throw e;
    }
    if (!config) throw notConfigured(tenant, repo);
    // a complete mirror's repomd.xml.key is upstream's key
    await deps.cache?.invalidateRepo(tenant, repo);
    await appendAudit(deps.store, tenant, {
      actor: actorOf(principal), action: 'mirror.update', target: repo, details: { fields: Object.keys(patch).sort() },
    }, now);
    const { key, ...rest } = config;
    return c.json({ ...rest, keyFingerprints: key ? await keyFingerprints(key) : [] });
  });

  app.delete('/api/v1/repos/:tenant/:repo/mirror', async (c) => {
    const { tenant, repo, principal } = await repoOf(c);
    const removal = await removeMirror(deps.store, tenant, repo, deps.clock);
    if (!removal) throw notConfigured(tenant, repo);
    await deps.cache?.invalidateRepo(tenant, repo);
    await appendAudit(deps.store, tenant, {
      actor: actorOf(principal), action: 'mirror.remove', target: repo, details: { mode: removal.mode, packagesRemoved: removal.removed },
    }, deps.clock());
    if (removal.revision !== null) {
      try {
        await deps.events.send({ tenant, repo, revision: removal.revision });
      } catch (e) {
        deps.logger.error('repo change event failed', { tenant, repo, revision: removal.revision, error: String(e) });
      }
    }
    return c.body(null, 204);
  });

  return app;
}
