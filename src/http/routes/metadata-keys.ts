/**
 * Metadata key rotation (docs/service.md, Metadata key rotation): GET lists the repo's metadata
 * keys (read); POST adds one, published beside the others but not signing (admin); POST
 * …/{fingerprint}/use switches signing to it and signs the metadata again (admin); DELETE retires
 * a key that no longer signs (admin).
 */
import { Hono, type Context } from 'hono';
import { z } from 'zod';
import { addMetadataKey, listMetadataKeys, retireMetadataKey, useMetadataKey } from '../../repo/metadata-keys.js';
import { storeTenancy } from '../../repo/tenancy-bindings.js';
import type { AppDeps } from '../deps.js';
import type { AppEnv } from '../env.js';
import { actorOf, repoRoute } from '../middleware/auth.js';
import type { RouteDoc } from '../openapi.js';
import { ProblemError } from '../problem.js';

const KEYS = '/api/v1/repos/{tenant}/{repo}/metadata-keys';

const keySchema = z.object({
  fingerprint: z.string(), algorithm: z.string(), createdAt: z.string(),
  signing: z.boolean().describe('signs repomd.xml now (every listed key is published in repomd.xml.key)'),
});
const keysSchema = z.object({ keys: z.array(keySchema) });
const usedSchema = z.object({ keys: z.array(keySchema), revision: z.number().int().nullable().describe('the index revision whose metadata the new key signs (null: nothing to sign again)') });

const AUTH = { 401: ['unauthenticated', 'invalid_token'], 403: ['forbidden'] };
const FPR = /^[0-9A-Fa-f]{40}(?:[0-9A-Fa-f]{24})?$/;

export const metadataKeyRouteDocs: RouteDoc[] = [
  { method: 'get', path: KEYS, summary: "The repo's metadata keys (all published in repomd.xml.key; one signs)", access: 'read', responses: { 200: keysSchema }, problems: { ...AUTH, 404: ['not_found'] } },
  {
    method: 'post', path: KEYS, summary: 'Add a metadata key: published beside the current one at once, signing only after …/use', access: 'admin',
    responses: { 201: keysSchema }, problems: { ...AUTH, 404: ['not_found'], 409: ['too_many_keys', 'mirror_repo'], 503: ['busy'] },
  },
  {
    method: 'post', path: `${KEYS}/{fingerprint}/use`, summary: 'Sign the metadata with this key from now on (signed again at once, under a new revision)', access: 'admin',
    responses: { 200: usedSchema }, problems: { 400: ['invalid_request'], ...AUTH, 404: ['not_found', 'key_not_found'], 409: ['mirror_repo'], 503: ['busy'] },
  },
  {
    method: 'delete', path: `${KEYS}/{fingerprint}`, summary: 'Retire a metadata key that no longer signs: no longer published, its secret deleted', access: 'admin',
    responses: { 200: keysSchema }, problems: { 400: ['invalid_request'], ...AUTH, 404: ['not_found', 'key_not_found'], 409: ['signing_key', 'mirror_repo'], 503: ['busy'] },
  },
];

function fingerprintOf(c: Context<AppEnv>): string {
  const fpr = c.req.param('fingerprint') ?? '';
  if (!FPR.test(fpr)) throw new ProblemError(400, 'invalid_request', 'a key fingerprint is 40 or 64 hex digits');
  return fpr.toUpperCase();
}

export function metadataKeyRoutes(deps: AppDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  async function repoOf(c: Context<AppEnv>, action: 'read' | 'admin') {
    const { tenant, repo, principal } = await repoRoute(c, deps.store, action);
    return { tenant, repo, actor: actorOf(principal) };
  }
  const forget = async (tenant: string, repo: string): Promise<void> => {
    await deps.cache?.invalidateRepo(tenant, repo);
  };

  app.get('/api/v1/repos/:tenant/:repo/metadata-keys', async (c) => {
    const { tenant, repo } = await repoOf(c, 'read');
    return c.json({ keys: await listMetadataKeys(deps.store, tenant, repo) });
  });
  app.post('/api/v1/repos/:tenant/:repo/metadata-keys', async (c) => {
    const { tenant, repo, actor } = await repoOf(c, 'admin');
    const keys = await addMetadataKey(deps, storeTenancy, tenant, repo, actor);
    await forget(tenant, repo);
    return c.json({ keys }, 201);
  });
  app.post('/api/v1/repos/:tenant/:repo/metadata-keys/:fingerprint/use', async (c) => {
    const { tenant, repo, actor } = await repoOf(c, 'admin');
    const result = await useMetadataKey(deps, storeTenancy, tenant, repo, fingerprintOf(c), actor);
    await forget(tenant, repo);
    return c.json(result);
  });
  app.delete('/api/v1/repos/:tenant/:repo/metadata-keys/:fingerprint', async (c) => {
    const { tenant, repo, actor } = await repoOf(c, 'admin');
    const keys = await retireMetadataKey(deps, storeTenancy, tenant, repo, fingerprintOf(c), actor);
    await forget(tenant, repo);
    return c.json({ keys });
  });
  return app;
}
