/**
 * The isolation matrix rows of the advisory routes on the composed app: upload (publish), list
 * and show (read), delete (publish). Expected answers come from `expectedRow`.
 */
import { putAdvisories } from '../../src/repo/advisories.js';
import { storeTenancy } from '../../src/repo/tenancy-bindings.js';
import type { Advisory } from '../../src/core/advisory/model.js';
import { expectedRow, type MatrixCase, type Rule, type World } from './isolation-matrix.js';
import { REPOS, serviceSetup } from './isolation-service-cases.js';

type Repo = (typeof REPOS)[number];
const label = ({ tenant, repo }: Repo): string => `${tenant}/${repo}${repo === 'pub' ? ' (public)' : ''}`;
const api = ({ tenant, repo }: Repo, rest: string): string => `/api/v1/repos/${tenant}/${repo}/${rest}`;
const row = (need: Rule['need'], r: Repo, ok: number) => expectedRow({ need, tenant: r.tenant, repo: r.repo, ok });

const advisory = (id: string): Advisory => ({
  id, type: 'security', title: `advisory ${id}`, status: 'final', version: '1', issued: '2026-01-01 00:00:00', references: [], collection: {},
  packages: [{ name: 'nowhere', epoch: '0', version: '1', release: '1', arch: 'noarch' }],
});

async function put(w: World, r: Repo, id: string): Promise<void> {
  await putAdvisories(w.svc.deps, storeTenancy, { tenant: r.tenant, repo: r.repo, advisories: [advisory(id)], replace: false, allowUnknownPackages: true, actor: 'operator' });
}

/** The service world plus an advisory `FIXED-1` in each repo. */
export async function advisorySetup(world: World): Promise<void> {
  await serviceSetup(world);
  for (const r of REPOS) await put(world, r, 'FIXED-1');
}

export const advisoryCases: MatrixCase[] = REPOS.flatMap((r): MatrixCase[] => [
  {
    name: `${api(r, 'advisories')} [${label(r)}]`, method: 'POST',
    request: (w) => ({
      path: api(r, 'advisories?allowUnknownPackages=1'), body: JSON.stringify(advisory(w.unique('NEW').toUpperCase())), headers: { 'content-type': 'application/json' },
    }),
    expect: row('publish', r, 201),
  },
  { name: `${api(r, 'advisories')} [${label(r)}]`, method: 'GET', request: () => ({ path: api(r, 'advisories') }), expect: row('read', r, 200) },
  { name: `${api(r, 'advisories/{id}')} [${label(r)}]`, method: 'GET', request: () => ({ path: api(r, 'advisories/FIXED-1') }), expect: row('read', r, 200) },
  {
    name: `${api(r, 'advisories/{id}')} [${label(r)}]`, method: 'DELETE',
    request: async (w) => {
      const id = w.unique('GONE').toUpperCase();
      // (the route-coverage world makes the repos mirrors, which refuse advisories: the path is all it needs;
      // in the matrix a failed put would show as a 404 where 200 is expected)
      await put(w, r, id).catch(() => undefined);
      return { path: api(r, `advisories/${id}`) };
    },
    expect: row('publish', r, 200),
  },
]);
