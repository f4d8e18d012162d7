/**
 * Advisories API (docs/advisories.md): upload (dnf's updateinfo XML, or JSON) with publish
 * access, list and show with read access, delete with publish access. Every change is merged
 * into the repo's updateinfo.xml.gz and listed in repomd.xml by the next generation.
 */
import { Hono, type Context } from 'hono';
import { z } from 'zod';
import { readUpdateinfo } from '../../core/advisory/read.js';
import { nevraOfAdvisoryPackage, type Advisory } from '../../core/advisory/model.js';
import { isRepodataReadError } from '../../core/repodata/read/errors.js';
import { advisoryMissing, deleteAdvisory, putAdvisories, readAdvisories, readAdvisory } from '../../repo/advisories.js';
import { storeTenancy } from '../../repo/tenancy-bindings.js';
import type { AppDeps } from '../deps.js';
import type { AppEnv } from '../env.js';
import { actorOf, repoRoute } from '../middleware/auth.js';
import type { RouteDoc } from '../openapi.js';
import { ProblemError } from '../problem.js';
import { invalidRequest, readBodyText } from '../validate.js';
import {
  ADVISORY_ID, advisoryChangeSchema, advisoryListSchema, advisoryListUploadSchema, advisorySchema, advisoryUploadSchema, cleanAdvisory,
} from '../../repo/advisory-schema.js';

const ADVISORIES = '/api/v1/repos/{tenant}/{repo}/advisories';
/** An upload: up to 1,000 advisories in one updateinfo document. */
export const MAX_ADVISORY_BODY = 8 * 1024 * 1024;
const XML_TYPES = ['application/xml', 'text/xml'];

const yes = z.enum(['1', 'true', '0', 'false']).optional();
const uploadQuery = z.object({
  replace: yes.describe('1: replace advisories whose id is taken by a different one (their updated date moves forward)'),
  allowUnknownPackages: yes.describe('1: accept packages the repo does not hold'),
});
const listQuery = z.object({ type: z.enum(['security', 'bugfix', 'enhancement', 'newpackage']).optional() });
const AUTH = { 401: ['unauthenticated', 'invalid_token'], 403: ['forbidden'] };

export const advisoryRouteDocs: RouteDoc[] = [
  {
    method: 'post', path: ADVISORIES, access: 'publish', query: uploadQuery,
    summary: 'Add advisories (updateinfo XML, or JSON: one advisory or {advisories: [...]}); 201 when something changed, 200 when all were there already',
    body: { json: advisoryUploadSchema, text: XML_TYPES }, responses: { 200: advisoryChangeSchema, 201: advisoryChangeSchema },
    problems: {
      400: ['invalid_request', 'invalid_xml', 'duplicate_advisory'], ...AUTH, 404: ['not_found'], 409: ['advisory_exists', 'mirror_repo'],
      413: ['body_too_large'], 415: ['unsupported_media_type'], 422: ['unknown_package', 'too_many_advisories'], 503: ['busy'],
    },
  },
  { method: 'get', path: ADVISORIES, summary: "The repo's advisories", access: 'read', query: listQuery, responses: { 200: advisoryListSchema }, problems: { 400: ['invalid_request'], ...AUTH, 404: ['not_found'] } },
  {
    method: 'get', path: `${ADVISORIES}/{id}`, summary: 'One advisory, as stored', access: 'read', responses: { 200: advisorySchema },
    problems: { 400: ['invalid_name'], ...AUTH, 404: ['not_found', 'advisory_not_found'] },
  },
  {
    method: 'delete', path: `${ADVISORIES}/{id}`, summary: 'Delete an advisory (it leaves updateinfo.xml with the next generation)', access: 'publish',
    responses: { 200: advisoryChangeSchema }, problems: { 400: ['invalid_name'], ...AUTH, 404: ['not_found', 'advisory_not_found'], 503: ['busy'] },
  },
];

function checkedId(id: string): string {
  if (!ADVISORY_ID.test(id)) throw new ProblemError(400, 'invalid_name', `invalid advisory id ${JSON.stringify(id.slice(0, 100))}: 1-128 chars of [A-Za-z0-9._:+-]`);
  return id;
}

type Issue = { path: string; code: string; message: string };
const issuesOf = (e: z.ZodError, prefix: string): Issue[] => e.issues.map((i) => ({ path: [prefix, ...i.path.map(String)].filter((p) => p !== '').join('.'), code: i.code, message: i.message }));

/** The upload as advisories: XML through the bounded reader, JSON as it is; both through the schema. */
async function uploaded(c: Context<AppEnv>): Promise<Advisory[]> {
  const type = (c.req.header('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
  const text = await readBodyText(c, MAX_ADVISORY_BODY);
  if (XML_TYPES.includes(type)) {
    let raw;
    try {
      raw = readUpdateinfo(text, { maxAdvisories: 1000 });
    } catch (e) {
      if (isRepodataReadError(e)) throw new ProblemError(400, 'invalid_xml', `updateinfo: ${e.message}`);
      throw e;
    }
    if (raw.length === 0) throw invalidRequest('the updateinfo document holds no <update>');
    const issues: Issue[] = [];
    const out: Advisory[] = [];
    raw.forEach((r, i) => {
      const parsed = advisorySchema.safeParse(r);
      if (parsed.success) out.push(cleanAdvisory(parsed.data));
      else issues.push(...issuesOf(parsed.error, `advisories.${i}`));
    });
    if (issues.length > 0) throw invalidRequest('an <update> does not make a valid advisory', issues.slice(0, 50));
    return out;
  }
  if (type !== 'application/json') throw new ProblemError(415, 'unsupported_media_type', 'send updateinfo XML (application/xml) or JSON (application/json)');
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw invalidRequest('the body must be a JSON document');
  }
  // one advisory, or {advisories: [...]}: each checked by its own schema, so errors name fields
  const many = typeof raw === 'object' && raw !== null && 'advisories' in raw;
  const parsed = (many ? advisoryListUploadSchema : advisorySchema).safeParse(raw);
  if (!parsed.success) throw invalidRequest('the body does not match the schema', issuesOf(parsed.error, '').slice(0, 50));
  return ('advisories' in parsed.data ? parsed.data.advisories : [parsed.data]).map(cleanAdvisory);
}

const on = (v: string | undefined): boolean => v === '1' || v === 'true';

export function advisoryRoutes(deps: AppDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();


  app.post('/api/v1/repos/:tenant/:repo/advisories', async (c) => {
    const { tenant, repo, principal } = await repoRoute(c, deps.store, 'publish');
    const q = uploadQuery.safeParse(c.req.query());
    if (!q.success) throw invalidRequest('invalid query', issuesOf(q.error, ''));
    const advisories = await uploaded(c);
    const r = await putAdvisories(deps, storeTenancy, {
      tenant, repo, advisories, replace: on(q.data.replace), allowUnknownPackages: on(q.data.allowUnknownPackages), actor: actorOf(principal),
    });
    return c.json(r, r.results.some((x) => x.outcome !== 'unchanged') ? 201 : 200);
  });

  app.get('/api/v1/repos/:tenant/:repo/advisories', async (c) => {
    const { tenant, repo } = await repoRoute(c, deps.store, 'read');
    const q = listQuery.safeParse(c.req.query());
    if (!q.success) throw invalidRequest('invalid query', issuesOf(q.error, ''));
    const all = (await readAdvisories(deps.store, tenant, repo)).filter((a) => q.data.type === undefined || a.type === q.data.type);
    return c.json({
      advisories: all.sort((a, b) => (a.id < b.id ? -1 : 1)).map((a) => ({
        id: a.id, type: a.type, title: a.title, severity: a.severity, issued: a.issued, updated: a.updated, packages: a.packages.map(nevraOfAdvisoryPackage),
      })),
    });
  });

  app.get('/api/v1/repos/:tenant/:repo/advisories/:id', async (c) => {
    const { tenant, repo } = await repoRoute(c, deps.store, 'read');
    const id = checkedId(c.req.param('id'));
    const a = await readAdvisory(deps.store, tenant, repo, id);
    if (!a) throw advisoryMissing(tenant, repo, id);
    return c.json(a);
  });

  app.delete('/api/v1/repos/:tenant/:repo/advisories/:id', async (c) => {
    const { tenant, repo, principal } = await repoRoute(c, deps.store, 'publish');
    const id = checkedId(c.req.param('id'));
    const r = await deleteAdvisory(deps, storeTenancy, tenant, repo, id, actorOf(principal));
    return c.json({ results: [{ id, outcome: 'deleted' }], revision: r.revision });
  });

  return app;
}
