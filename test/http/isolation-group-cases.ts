/**
 * The isolation matrix rows of the groups (comps) and modules routes on the composed app:
 * replace and delete (publish), read (read). Expected answers come from `expectedRow`.
 */
import { setGroupFile } from '../../src/repo/repo-groups.js';
import { storeTenancy } from '../../src/repo/tenancy-bindings.js';
import { expectedRow, type MatrixCase, type Rule, type World } from './isolation-matrix.js';
import { REPOS, serviceSetup } from './isolation-service-cases.js';

type Repo = (typeof REPOS)[number];
const label = ({ tenant, repo }: Repo): string => `${tenant}/${repo}${repo === 'pub' ? ' (public)' : ''}`;
const api = ({ tenant, repo }: Repo, rest: string): string => `/api/v1/repos/${tenant}/${repo}/${rest}`;
const row = (need: Rule['need'], r: Repo, ok: number) => expectedRow({ need, tenant: r.tenant, repo: r.repo, ok });

export const COMPS = (id: string): string => `<?xml version="1.0" encoding="UTF-8"?>
<comps><group><id>${id}</id><name>Group ${id}</name><packagelist><packagereq type="mandatory">echo</packagereq></packagelist></group></comps>
`;
export const MODULES = (name: string): string => `---
document: modulemd
version: 2
data:
  name: ${name}
  stream: "1"
  version: 1
  context: c0ffee42
  arch: noarch
  summary: test module
  description: test module
  license:
    module: [MIT]
...
`;

const set = (w: World, r: Repo, source: 'group' | 'modules', text: string): Promise<unknown> =>
  setGroupFile(w.svc.deps, storeTenancy, r.tenant, r.repo, source, text, 'operator').catch(() => undefined);

/** The service world plus groups and modules in each repo. */
export async function groupSetup(world: World): Promise<void> {
  await serviceSetup(world);
  for (const r of REPOS) {
    await set(world, r, 'group', COMPS('fixed'));
    await set(world, r, 'modules', MODULES('fixed'));
  }
}

export const groupCases: MatrixCase[] = REPOS.flatMap((r): MatrixCase[] => [
  ...([['groups', 'group', COMPS, 'application/xml'], ['modules', 'modules', MODULES, 'application/yaml']] as const).flatMap(([path, source, doc, type]): MatrixCase[] => [
    { name: `${api(r, path)} [${label(r)}]`, method: 'PUT', request: (w) => ({ path: api(r, path), body: doc(w.unique('new')), headers: { 'content-type': type } }), expect: row('publish', r, 200) },
    { name: `${api(r, path)} [${label(r)}]`, method: 'GET', request: () => ({ path: api(r, path) }), expect: row('read', r, 200) },
    {
      name: `${api(r, path)} [${label(r)}]`, method: 'DELETE',
      request: async (w) => {
        await set(w, r, source, doc(w.unique('gone')));
        return { path: api(r, path) };
      },
      expect: row('publish', r, 200),
    },
  ]),
]);
