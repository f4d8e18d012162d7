/**
 * Retention policy of a repo (docs/service.md, Retention): GET shows it (read), PUT sets or
 * clears it (admin), POST …/retention/apply runs it over the whole repo now — or, with
 * `dryRun`, lists what it would remove and changes nothing.
 */
import { Hono, type Context } from 'hono';
import { z } from 'zod';
import { appendAudit } from '../../repo/audit.js';
import { indexSigner, nevraOf, type IndexEntry } from '../../repo/index-entry.js';
import { applyRetention, NO_RETENTION, readRetention, writeRetention } from '../../repo/retention.js';
import { storeTenancy } from '../../repo/tenancy-bindings.js';
import type { AppDeps } from '../deps.js';
import type { AppEnv } from '../env.js';
import { actorOf, repoRoute } from '../middleware/auth.js';
import type { RouteDoc } from '../openapi.js';
import { invalidRequest, readBodyText, MAX_JSON_BYTES } from '../validate.js';

const RETENTION = '/api/v1/repos/{tenant}/{repo}/retention';

const rulesSchema = z.object({
  keepNewest: z.number().int().min(1).max(100_000).nullable().default(null)
    .describe('keep at most this many versions of each name and arch (null: no count limit)'),
  maxAgeSeconds: z.number().int().min(1).max(100 * 365 * 86400).nullable().default(null)
    .describe('remove versions that entered the repo longer ago than this, except the newest of each name and arch (null: no age limit)'),
});
const policySchema = z.object({ keepNewest: z.number().nullable(), maxAgeSeconds: z.number().nullable(), updatedAt: z.string().nullable() });
const applySchema = z.object({
  dryRun: z.boolean().default(false).describe('only list what would be removed'),
  rules: rulesSchema.optional().describe('these rules instead of the stored policy (e.g. to preview a policy before setting it)'),
});
const removedSchema = z.object({
  sha256: z.string(), nevra: z.string(), name: z.string(), arch: z.string(), location: z.string(), addedAt: z.number(),
  signer: z.object({ fingerprint: z.string(), keyId: z.string(), algorithm: z.string() }).nullable(),
});
const applyResultSchema = z.object({
  dryRun: z.boolean(), keepNewest: z.number().nullable(), maxAgeSeconds: z.number().nullable(),
  removed: z.array(removedSchema), revision: z.number(),
});

const AUTH = { 401: ['unauthenticated', 'invalid_token'], 403: ['forbidden'], 404: ['not_found'] };

export const retentionRouteDocs: RouteDoc[] = [
  { method: 'get', path: RETENTION, summary: "The repo's retention policy (nulls: none)", access: 'read', responses: { 200: policySchema }, problems: AUTH },
  {
    method: 'put', path: RETENTION, summary: 'Set the retention policy, applied after every publish to the names it touched (all nulls: no policy)',
    access: 'admin', body: rulesSchema, responses: { 200: policySchema }, problems: { 400: ['invalid_request'], ...AUTH, 413: ['body_too_large'] },
  },
  {
    method: 'post', path: `${RETENTION}/apply`, summary: 'Apply retention to the whole repo now, or list what it would remove (dryRun)',
    access: 'admin', body: applySchema, responses: { 200: applyResultSchema }, problems: { 400: ['invalid_request'], ...AUTH, 413: ['body_too_large'], 503: ['busy'] },
  },
];

/** A JSON body that may be absent (then `{}`), validated like `jsonBody`. */
async function optionalJson<S extends z.ZodType>(c: Context<AppEnv>, schema: S): Promise<z.output<S>> {
  const text = await readBodyText(c, MAX_JSON_BYTES);
  let raw: unknown = {};
  if (text.trim() !== '') {
    try {
      raw = JSON.parse(text);
    } catch {
      throw invalidRequest('the body must be a JSON document');
    }
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    throw invalidRequest('the body does not match the schema', parsed.error.issues.map((i) => ({ path: i.path.map(String).join('.'), code: i.code, message: i.message })));
  }
  return parsed.data;
}

export function removedJson(e: IndexEntry) {
  return { sha256: e.sha256, nevra: nevraOf(e), name: e.name, arch: e.arch, location: e.location, addedAt: e.addedAt, signer: indexSigner(e.signer) };
}

export function retentionRoutes(deps: AppDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();


  app.get('/api/v1/repos/:tenant/:repo/retention', async (c) => {
    const { tenant, repo } = await repoRoute(c, deps.store, 'read');
    const policy = await readRetention(deps.store, tenant, repo);
    return c.json(policy ?? { ...NO_RETENTION, updatedAt: null });
  });

  app.put('/api/v1/repos/:tenant/:repo/retention', async (c) => {
    const { tenant, repo, principal } = await repoRoute(c, deps.store, 'admin');
    const rules = await optionalJson(c, rulesSchema);
    const now = deps.clock();
    const policy = await writeRetention(deps.store, tenant, repo, rules, now);
    await appendAudit(deps.store, tenant, {
      actor: actorOf(principal), action: policy ? 'retention.set' : 'retention.clear', target: repo,
      details: { keepNewest: rules.keepNewest, maxAgeSeconds: rules.maxAgeSeconds },
    }, now);
    return c.json(policy ?? { ...NO_RETENTION, updatedAt: null });
  });

  app.post('/api/v1/repos/:tenant/:repo/retention/apply', async (c) => {
    const { tenant, repo, principal } = await repoRoute(c, deps.store, 'admin');
    const body = await optionalJson(c, applySchema);
    const r = await applyRetention(deps, storeTenancy, {
      tenant, repo, actor: actorOf(principal), trigger: 'manual', dryRun: body.dryRun, ...(body.rules ? { rules: body.rules } : {}),
    });
    return c.json({ dryRun: r.dryRun, keepNewest: r.rules.keepNewest, maxAgeSeconds: r.rules.maxAgeSeconds, removed: r.removed.map(removedJson), revision: r.revision });
  });

  return app;
}
