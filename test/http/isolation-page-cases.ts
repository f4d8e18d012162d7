/**
 * The browse pages' rows of the isolation matrix, on the composed app with the service world
 * (serviceSetup: one package `echo` in every repo). A repo's pages follow the repo read rule
 * (`expectedRow`); the audit page the tenant admin rule. A tenant's index shows its members
 * everything they may read and anyone else its public repos only, so `/b/` (no public repo)
 * answers outsiders exactly like a missing tenant. Every case runs with the credential as a
 * Bearer header (API clients, curl) and as a session cookie (browsers).
 */
import { createHash } from 'node:crypto';
import { sha256Hex } from '../../src/auth/crypto.js';
import { createSession } from '../../src/auth/sessions.js';
import { pageAssets } from '../../src/http/pages/assets.js';
import { writeFragmentFile } from '../../src/repo/package-fragments.js';
import { expectedRow, WHO, type MatrixCase, type Rule, type Who, type World } from './isolation-matrix.js';
import { PACKAGE_LOCATION, REPOS } from './isolation-service-cases.js';
import { OPERATOR_TOKEN } from './admin-app.js';

type Repo = (typeof REPOS)[number];

/** sha256 of the package serviceSetup puts in `repo`. */
export function echoSha(r: Repo): string {
  return createHash('sha256').update(`echo of ${r.tenant}/${r.repo}`).digest('hex');
}

/** Fragments for every repo's `echo` (the package page reads them), and session cookies for every credential. */
export async function pageSetup(world: World): Promise<void> {
  for (const r of REPOS) {
    const sha = echoSha(r);
    await writeFragmentFile(world.svc.store, r.tenant, r.repo, {
      sha256: sha, location: PACKAGE_LOCATION, addedAt: 1_700_000_000,
      primary: `<package type="rpm"><name>echo</name><summary>echo of ${r.tenant}/${r.repo}</summary><description>secret words of ${r.tenant}/${r.repo}</description></package>`,
      filelists: `<package pkgid="${sha}" name="echo" arch="noarch"><version epoch="0" ver="2" rel="3"/><file>/usr/bin/echo-${r.repo}</file></package>`,
      other: `<package pkgid="${sha}" name="echo" arch="noarch"><version epoch="0" ver="2" rel="3"/></package>`,
    });
  }
  await withSessions(world);
}

export async function withSessions(world: World): Promise<void> {
  const now = world.svc.deps.clock();
  const sessions = {} as Record<Who, Record<string, string>>;
  for (const who of WHO) {
    const header = world.headers[who]['authorization'];
    if (header === undefined) {
      sessions[who] = {};
      continue;
    }
    const token = header.slice('Bearer '.length);
    const subject = token === OPERATOR_TOKEN
      ? { kind: 'operator' as const, operatorHash: await sha256Hex(token) }
      : { kind: 'token' as const, tokenHash: await sha256Hex(token), tokenExpiresAt: null };
    const { id } = await createSession(world.svc.store, subject, now);
    sessions[who] = { cookie: `__Host-berth_session=${id}` };
  }
  world.sessions = sessions;
}

const label = (r: Repo): string => `${r.tenant}/${r.repo}${r.repo === 'pub' ? ' (public)' : ''}`;
const everyone = (status: number): Record<Who, number> => Object.fromEntries(WHO.map((w) => [w, status])) as Record<Who, number>;

function repoPages(r: Repo): { path: string; method?: 'GET' | 'HEAD' }[] {
  const base = `/${r.tenant}/${r.repo}`;
  const sha = echoSha(r);
  return [
    { path: `${base}/` }, { path: `${base}/-/use` }, { path: `${base}/-/packages` }, { path: `${base}/-/packages?q=ec` },
    { path: `${base}/-/packages/${sha}` }, { path: `${base}/-/packages/${sha}/files` },
    { path: `${base}/-/download/${sha}` }, { path: `${base}/-/download/${sha}`, method: 'HEAD' },
    { path: `${base}/Packages/` }, { path: `${base}/Packages/e/` },
  ];
}

function cases(auth: 'bearer' | 'session'): MatrixCase[] {
  const perRepo = REPOS.flatMap((r) => repoPages(r).map(({ path, method }): MatrixCase => ({
    name: `${path} [${label(r)}, ${auth}]`, method: method ?? 'GET', auth, request: () => ({ path }),
    expect: expectedRow({ need: 'read', ...r, ok: 200 } as Rule),
  })));
  // `/a/` has a public repo: everyone gets a page (outsiders see `pub` only). `/b/` has none.
  const bIndex = { ...everyone(404), bAdmin: 200, operator: 200 };
  return [
    ...perRepo,
    { name: `/a/ [${auth}]`, method: 'GET', auth, request: () => ({ path: '/a/' }), expect: everyone(200) },
    { name: `/b/ [${auth}]`, method: 'GET', auth, request: () => ({ path: '/b/' }), expect: bIndex },
    { name: `/a/-/audit [${auth}]`, method: 'GET', auth, request: () => ({ path: '/a/-/audit' }), expect: expectedRow({ need: 'admin', tenant: 'a', ok: 200 }) },
    { name: `/b/-/audit [${auth}]`, method: 'GET', auth, request: () => ({ path: '/b/-/audit' }), expect: expectedRow({ need: 'admin', tenant: 'b', ok: 200 }) },
  ];
}

/** Pages anyone may see, whoever asks. */
export const publicPageCases: MatrixCase[] = [
  { name: '/ (start page)', method: 'GET', request: () => ({ path: '/' }), expect: everyone(200) },
  { name: '/-/login', method: 'GET', request: () => ({ path: '/-/login' }), expect: everyone(200) },
  // not a form: refused the same for everyone
  { name: '/-/login (no form)', method: 'POST', request: () => ({ path: '/-/login' }), expect: everyone(415) },
  { name: '/-/logout', method: 'POST', request: () => ({ path: '/-/logout' }), expect: everyone(303) },
  { name: '/-/static/{css}', method: 'GET', request: async () => ({ path: `/-/static/${(await pageAssets()).css.name}` }), expect: everyone(200) },
];

export const pageCases: MatrixCase[] = [...cases('bearer'), ...cases('session')];
