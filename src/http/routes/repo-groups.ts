/**
 * Package groups (comps XML) and modules (modules.yaml) of a repo (docs/advisories.md, Groups
 * and modules): PUT replaces the document (publish access), GET returns it (read), DELETE removes
 * it (publish). The next generation lists it in repomd.xml (`group` + `group_gz`, `modules`).
 */
import { Hono } from 'hono';
import { z } from 'zod';
import { checkModules } from '../../core/modules/documents.js';
import { isModulesError } from '../../core/modules/errors.js';
import { readComps } from '../../core/repodata/read/comps.js';
import { isRepodataReadError } from '../../core/repodata/read/errors.js';
import { readGroupFile, setGroupFile, type GroupSource } from '../../repo/repo-groups.js';
import { storeTenancy } from '../../repo/tenancy-bindings.js';
import type { AppDeps } from '../deps.js';
import type { AppEnv } from '../env.js';
import { actorOf, repoRoute } from '../middleware/auth.js';
import type { RouteDoc } from '../openapi.js';
import { ProblemError } from '../problem.js';
import { readBodyText } from '../validate.js';

/** A comps or modules document: Fedora's are a few MB. */
export const MAX_GROUP_FILE_BODY = 32 * 1024 * 1024;

const AUTH = { 401: ['unauthenticated', 'invalid_token'], 403: ['forbidden'] };
const changeSchema = z.object({
  revision: z.number().int().describe('the index revision whose metadata carries the change'),
  changed: z.boolean().describe('false: the same document was there already'),
  groups: z.array(z.string()).optional(), categories: z.array(z.string()).optional(), environments: z.array(z.string()).optional(),
  documents: z.object({ modulemd: z.number().int(), defaults: z.number().int(), obsoletes: z.number().int(), translations: z.number().int() }).optional()
    .describe('modules: how many documents of each kind the upload holds'),
});

const KINDS: { source: GroupSource; path: string; what: string; types: string[]; missing: string }[] = [
  { source: 'group', path: 'groups', what: 'package groups (comps XML)', types: ['application/xml', 'text/xml'], missing: 'groups_not_found' },
  { source: 'modules', path: 'modules', what: 'modules (modules.yaml)', types: ['application/yaml', 'application/x-yaml', 'text/yaml', 'text/plain'], missing: 'modules_not_found' },
];

export const repoGroupRouteDocs: RouteDoc[] = KINDS.flatMap((k): RouteDoc[] => {
  const path = `/api/v1/repos/{tenant}/{repo}/${k.path}`;
  return [
    {
      method: 'put', path, access: 'publish', summary: `Replace the repo's ${k.what}; listed in repomd.xml by the next generation`,
      body: { text: k.types }, responses: { 200: changeSchema },
      problems: { 400: ['invalid_request', ...(k.source === 'group' ? ['invalid_xml'] : [])], ...AUTH, 404: ['not_found'], 409: ['mirror_repo'], 413: ['body_too_large'],
        ...(k.source === 'modules' ? { 422: ['invalid_modules'] as string[] } : {}) as Record<number, string[]>, 503: ['busy'] },
    },
    { method: 'get', path, access: 'read', summary: `The repo's ${k.what}, as uploaded`, responses: { 200: 'text' }, problems: { ...AUTH, 404: ['not_found', k.missing] } },
    { method: 'delete', path, access: 'publish', summary: `Remove the repo's ${k.what}`, responses: { 200: changeSchema }, problems: { ...AUTH, 404: ['not_found', k.missing], 409: ['mirror_repo'], 503: ['busy'] } },
  ];
});

function compsSummary(text: string): { groups: string[]; categories: string[]; environments: string[] } {
  try {
    const s = readComps(text);
    return { groups: s.groups, categories: s.categories, environments: s.environments };
  } catch (e) {
    if (isRepodataReadError(e)) throw new ProblemError(400, 'invalid_xml', `comps: ${e.message}`);
    throw e;
  }
}

/** modules.yaml checked as dnf reads it (src/core/modules/documents.ts), stored as it is: 422 `invalid_modules` naming the document and field. */
function modulesSummary(text: string): { documents: ReturnType<typeof checkModules> } {
  try {
    return { documents: checkModules(text) };
  } catch (e) {
    if (isModulesError(e)) throw new ProblemError(422, 'invalid_modules', `modules.yaml: ${e.message}`, { document: e.document, field: e.field });
    throw e;
  }
}

export function repoGroupRoutes(deps: AppDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  for (const k of KINDS) {
    const path = `/api/v1/repos/:tenant/:repo/${k.path}`;
    app.put(path, async (c) => {
      const { tenant, repo, principal } = await repoRoute(c, deps.store, 'publish');
      const text = await readBodyText(c, MAX_GROUP_FILE_BODY);
      const summary = k.source === 'group' ? compsSummary(text) : modulesSummary(text);
      const r = await setGroupFile(deps, storeTenancy, tenant, repo, k.source, text, actorOf(principal));
      return c.json({ ...r, ...summary });
    });
    app.get(path, async (c) => {
      const { tenant, repo } = await repoRoute(c, deps.store, 'read');
      const text = await readGroupFile(deps, tenant, repo, k.source);
      if (text === null) throw new ProblemError(404, k.missing, `${tenant}/${repo} has no ${k.what}`);
      return c.body(text, 200, { 'content-type': k.source === 'group' ? 'application/xml; charset=utf-8' : 'application/yaml; charset=utf-8' });
    });
    app.delete(path, async (c) => {
      const { tenant, repo, principal } = await repoRoute(c, deps.store, 'publish');
      return c.json(await setGroupFile(deps, storeTenancy, tenant, repo, k.source, null, actorOf(principal)));
    });
  }
  return app;
}
