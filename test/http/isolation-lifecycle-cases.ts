/**
 * The isolation matrix rows of the repository lifecycle routes (retention, snapshots, metadata
 * keys, promotion) on the composed app. Expected answers come from `expectedRow`.
 */
import { createHash } from 'node:crypto';
import { currentGeneration } from '../../src/repo/generations.js';
import { writeFragmentFile } from '../../src/repo/package-fragments.js';
import { regenerate } from '../../src/repo/regenerate.js';
import { getRepo } from '../../src/repo/repos.js';
import { createSnapshot } from '../../src/repo/snapshots.js';
import { metadataKeySetKey } from '../../src/storage/keys.js';
import { storeTenancy } from '../../src/repo/tenancy-bindings.js';
import { expectedRow, type MatrixCase, type Rule, type World } from './isolation-matrix.js';
import { PACKAGE_LOCATION, REPOS, serviceSetup } from './isolation-service-cases.js';

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

/** The service world (a generation and a package per repo) plus a snapshot `fixed` of each repo. */
export async function lifecycleSetup(world: World): Promise<void> {
  await serviceSetup(world);
  for (const r of REPOS) {
    // metadata with the package in it (a fragment stands in for the placeholder bytes)
    const sha256 = createHash('sha256').update(`echo of ${r.tenant}/${r.repo}`).digest('hex');
    await writeFragmentFile(world.svc.store, r.tenant, r.repo, { sha256, location: PACKAGE_LOCATION, addedAt: 1_700_000_000, primary: '', filelists: '', other: '' });
    await regenerate(world.svc.deps, storeTenancy, r.tenant, r.repo);
  }
  for (const r of REPOS) await createSnapshot(world.svc.store, storeTenancy, r.tenant, r.repo, 'fixed', 'operator', world.svc.deps.clock());
}

const snapshot = async (w: World, r: Repo): Promise<string> => {
  const name = w.unique('snap');
  await createSnapshot(w.svc.store, storeTenancy, r.tenant, r.repo, name, 'operator', w.svc.deps.clock());
  return name;
};

export const snapshotCases: MatrixCase[] = REPOS.flatMap((r): MatrixCase[] => [
  {
    name: `${api(r, 'snapshots')} [${label(r)}]`, method: 'POST',
    request: (w) => ({ path: api(r, 'snapshots'), ...json({ name: w.unique('new') }) }), expect: row('publish', r, 201),
  },
  { name: `${api(r, 'snapshots')} [${label(r)}]`, method: 'GET', request: () => ({ path: api(r, 'snapshots') }), expect: row('read', r, 200) },
  { name: `${api(r, 'snapshots/{name}')} [${label(r)}]`, method: 'GET', request: () => ({ path: api(r, 'snapshots/fixed') }), expect: row('read', r, 200) },
  {
    name: `${api(r, 'snapshots/{name}')} [${label(r)}]`, method: 'DELETE',
    request: async (w) => ({ path: api(r, `snapshots/${await snapshot(w, r)}`) }), expect: row('admin', r, 200),
  },
]);

/** A checksum-named file of the repo's served generation (the snapshot `fixed` froze it). */
async function checksumFile(w: World, r: Repo): Promise<string> {
  const file = (await currentGeneration(w.svc.store, r.tenant, r.repo))?.record.files.find((f) => /^[0-9a-f]{64}-/.test(f));
  if (!file) throw new Error(`${r.tenant}/${r.repo} has no generation`);
  return file;
}

const SNAPSHOT_FILES: { what: string; path: (w: World, r: Repo) => string | Promise<string> }[] = [
  { what: 'repodata/repomd.xml', path: () => 'repodata/repomd.xml' },
  { what: 'repodata/repomd.xml.asc', path: () => 'repodata/repomd.xml.asc' },
  { what: 'repodata/repomd.xml.key', path: () => 'repodata/repomd.xml.key' },
  { what: 'repodata/{sha256}-{kind}.xml.gz', path: async (w, r) => `repodata/${await checksumFile(w, r)}` },
  { what: PACKAGE_LOCATION, path: () => PACKAGE_LOCATION },
];

/** The snapshot's dnf paths × GET/HEAD × repos, with Basic (as dnf sends it) and Bearer. */
export const snapshotDnfCases: MatrixCase[] = (['basic', 'bearer'] as const).flatMap((auth) => REPOS.flatMap((r): MatrixCase[] => [
  ...SNAPSHOT_FILES.flatMap(({ what, path }) => (['GET', 'HEAD'] as const).map((method): MatrixCase => ({
    name: `/${r.tenant}/${r.repo}/snapshots/fixed/${what} [${label(r)}, ${auth}]`, method, auth,
    request: async (w) => ({ path: `/${r.tenant}/${r.repo}/snapshots/fixed/${await path(w, r)}` }), expect: row('read', r, 200),
  }))),
  {
    name: `/${r.tenant}/${r.repo}/snapshots/fixed/config.repo [${label(r)}, ${auth}]`, method: 'GET', auth,
    request: () => ({ path: `/${r.tenant}/${r.repo}/snapshots/fixed/config.repo` }), expect: row('read', r, 200),
  },
]));

/** Promotion needs read on the source and publish on the target: the repo itself as the target is refused (400) once both pass. */
export const promoteCases: MatrixCase[] = REPOS.map((r): MatrixCase => ({
  name: `${api(r, 'promote')} [${label(r)}]`, method: 'POST',
  request: () => ({ path: api(r, 'promote'), ...json({ to: r.repo, names: ['echo'], dryRun: true }) }), expect: row('publish', r, 400),
}));

/** Metadata keys: list (read), add (admin); `use` of the signing key (a no-op, 200) and retiring it (409 signing_key) reach the route. */
const signingKey = async (w: World, r: Repo): Promise<string> => (await getRepo(w.svc.store, r.tenant, r.repo))!.metadataKey.fingerprint;
export const metadataKeyCases: MatrixCase[] = REPOS.flatMap((r): MatrixCase[] => [
  { name: `${api(r, 'metadata-keys')} [${label(r)}]`, method: 'GET', request: () => ({ path: api(r, 'metadata-keys') }), expect: row('read', r, 200) },
  {
    // each request starts from the repo's first key alone (else the key limit would answer 409)
    name: `${api(r, 'metadata-keys')} [${label(r)}]`, method: 'POST',
    request: async (w) => {
      await w.svc.store.delete(metadataKeySetKey(r.tenant, r.repo));
      return { path: api(r, 'metadata-keys') };
    },
    expect: row('admin', r, 201),
  },
  { name: `${api(r, 'metadata-keys/{fingerprint}/use')} [${label(r)}]`, method: 'POST', request: async (w) => ({ path: api(r, `metadata-keys/${await signingKey(w, r)}/use`) }), expect: row('admin', r, 200) },
  { name: `${api(r, 'metadata-keys/{fingerprint}')} [${label(r)}]`, method: 'DELETE', request: async (w) => ({ path: api(r, `metadata-keys/${await signingKey(w, r)}`) }), expect: row('admin', r, 409) },
]);

export const lifecycleCases: MatrixCase[] = [...retentionCases, ...snapshotCases, ...snapshotDnfCases, ...promoteCases, ...metadataKeyCases];
