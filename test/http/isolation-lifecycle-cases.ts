/**
 * The isolation matrix rows of the repository lifecycle routes (retention, snapshots, metadata
 * keys, promotion) on the composed app. Expected answers come from `expectedRow`.
 */
import { expectedRow, type MatrixCase, type Rule } from './isolation-matrix.js';
import { REPOS } from './isolation-service-cases.js';

type Repo = (typeof REPOS)[number];
const label = ({ tenant, repo }: Repo): string => `${tenant}/${repo}${repo === 'pub' ? ' (public)' : ''}`;
const api = ({ tenant, repo }: Repo, rest: string): string => `/api/v1/repos/${tenant}/${repo}/${rest}`;
const json = (value: unknown) => ({ body: JSON.stringify(value), headers: { 'content-type': 'application/json' } });
const row = (need: Rule['need'], r: Repo, ok: number) => expectedRow({ need, tenant: r.tenant, repo: r.repo, ok });

export const retentionCases: MatrixCase[] = REPOS.flatMap((r): MatrixCase[] => [
  { name: `${api(r, 'retention')} [${label(r)}]`, method: 'GET', request: () => ({ path: api(r, 'retention') }), expect: row('read', r, 200) },
  { name: `${api(r, 'retention')} [${label(r)}]`, method: 'PUT', request: () => ({ path: api(r, 'retention'), ...json({ keepNewest: 50 }) }), expect: row('admin', r, 200) },
  {
    name: `${api(r, 'retention/apply')} [${label(r)}]`, method: 'POST',
    request: () => ({ path: api(r, 'retention/apply'), ...json({ dryRun: true }) }), expect: row('admin', r, 200),
  },
]);

export const lifecycleCases: MatrixCase[] = [...retentionCases];
