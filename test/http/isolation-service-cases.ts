/**
 * The isolation matrix rows of every non-admin route of the composed app (createApp): package
 * API, mirror API, changes feed, dnf paths and the two public endpoints. Expected answers come
 * from `expectedRow` (the rules of src/auth/principal.ts), never from the routes.
 *
 * Repos: a/x, a/y (private), a/pub (public), b/z (private) — see `buildWorld`. aReadX may read x
 * only, so a/y gives the "outside its repo list" row.
 */
import { createServer } from 'node:net';
import { createHash } from 'node:crypto';
import { normalizeMirrorInput, writeMirrorConfig } from '../../src/repo/mirror-config.js';
import { currentGeneration } from '../../src/repo/generations.js';
import { addPackage } from '../../src/repo/index-store.js';
import { writeFragmentFile } from '../../src/repo/package-fragments.js';
import { regenerate } from '../../src/repo/regenerate.js';
import { getRepo } from '../../src/repo/repos.js';
import { storeTenancy } from '../../src/repo/tenancy-bindings.js';
import { packageBlobKey, repoConfigKey } from '../../src/storage/keys.js';
import { addTrustedKey } from '../../src/repo/trusted-keys.js';
import { publisherKey, type TestPgpKey } from '../repo/pgp-fixtures.js';
import { syntheticRpm } from '../repo/support.js';
import { expectedRow, WHO, type MatrixCase, type Rule, type Who, type World } from './isolation-matrix.js';
import type { IndexEntry } from '../../src/repo/index-entry.js';

type Repo = Pick<Rule, 'tenant' | 'repo'> & { repo: NonNullable<Rule['repo']> };
export const REPOS: readonly Repo[] = [
  { tenant: 'a', repo: 'x' }, { tenant: 'a', repo: 'y' }, { tenant: 'a', repo: 'pub' }, { tenant: 'b', repo: 'z' },
];
const label = ({ tenant, repo }: Repo): string => `${tenant}/${repo}${repo === 'pub' ? ' (public)' : ''}`;
const api = ({ tenant, repo }: Repo, rest: string): string => `/api/v1/repos/${tenant}/${repo}/${rest}`;
const json = (value: unknown) => ({ body: JSON.stringify(value), headers: { 'content-type': 'application/json' } });

/** Where every repo of the dnf world serves its one package (setup puts it there). */
export const PACKAGE_LOCATION = 'Packages/e/echo-2-3.noarch.rpm';

function entry(name: string, bytes: Uint8Array, location = `Packages/${name[0]}/${name}-1-1.noarch.rpm`): IndexEntry {
  return {
    sha256: createHash('sha256').update(bytes).digest('hex'), name, epoch: 0, version: '1', release: '1', arch: 'noarch',
    filename: location.slice(location.lastIndexOf('/') + 1), location, size: bytes.length, addedAt: 1_700_000_000, signer: null,
  };
}

/**
 * Packages and dnf world: repos accept unsigned packages (so a PUT of a synthetic RPM is a real
 * 201), each has a signed generation and one package at PACKAGE_LOCATION.
 */
export async function serviceSetup(world: World): Promise<void> {
  const { store } = world.svc;
  for (const r of REPOS) {
    const config = await getRepo(store, r.tenant, r.repo);
    await store.put(repoConfigKey(r.tenant, r.repo), new TextEncoder().encode(JSON.stringify({ ...config, allowUnsigned: true })));
    await regenerate(world.svc.deps, storeTenancy, r.tenant, r.repo);
    const bytes = new TextEncoder().encode(`echo of ${r.tenant}/${r.repo}`);
    const e = { ...entry('echo', bytes, PACKAGE_LOCATION), version: '2', release: '3' };
    await store.put(packageBlobKey(r.tenant, e.sha256), bytes);
    await addPackage(store, r.tenant, r.repo, e, world.svc.deps.clock);
  }
}

let port: Promise<number> | undefined;
/** A 127.0.0.1 port nothing listens on (bound, then released): mirror runs fail fast there. */
function deadPort(): Promise<number> {
  port ??= new Promise((resolve, reject) => {
    const srv = createServer().once('error', reject).listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => resolve(typeof addr === 'object' && addr ? addr.port : 9));
    });
  });
  return port;
}
const mirrorInput = async () => ({ from: `http://127.0.0.1:${await deadPort()}/`, verify: false });

/** Mirror world: every repo is already a mirror of the dead upstream, so GET and run have a config. */
export async function mirrorSetup(world: World): Promise<void> {
  const input = { ...(await mirrorInput()), metalink: false, include: [], exclude: [], arches: [] };
  for (const r of REPOS) await writeMirrorConfig(world.svc.store, r.tenant, r.repo, normalizeMirrorInput(input, world.svc.deps.clock()));
}

export const packageCases: MatrixCase[] = REPOS.flatMap((r): MatrixCase[] => [
  {
    name: `${api(r, 'packages')} [${label(r)}]`, method: 'PUT',
    request: (w) => ({ path: api(r, 'packages'), body: syntheticRpm(w.unique('put')), headers: { 'content-type': 'application/x-rpm' } }),
    expect: expectedRow({ need: 'publish', ...r, ok: 201 }),
  },
  { name: `${api(r, 'packages')} [${label(r)}]`, method: 'GET', request: () => ({ path: api(r, 'packages') }), expect: expectedRow({ need: 'read', ...r, ok: 200 }) },
  {
    name: `${api(r, 'packages/{sha256}')} [${label(r)}]`, method: 'DELETE',
    // a fresh index entry (and its fragment, as a publish writes) per request: every allowed
    // credential deletes something that is there
    request: async (w) => {
      const e = entry(w.unique('del'), new TextEncoder().encode(w.unique('bytes')));
      await writeFragmentFile(w.svc.store, r.tenant, r.repo, { sha256: e.sha256, location: e.location, addedAt: e.addedAt, primary: '', filelists: '', other: '' });
      await addPackage(w.svc.store, r.tenant, r.repo, e, w.svc.deps.clock);
      return { path: api(r, `packages/${e.sha256}`) };
    },
    expect: expectedRow({ need: 'publish', ...r, ok: 200 }),
  },
]);

export const changesCases: MatrixCase[] = REPOS.map((r) => ({
  name: `${api(r, 'changes?since=0')} [${label(r)}]`, method: 'GET', request: () => ({ path: api(r, 'changes?since=0') }),
  expect: expectedRow({ need: 'read', ...r, ok: 200 }),
}));

export const mirrorCases: MatrixCase[] = REPOS.flatMap((r): MatrixCase[] => [
  // configured by mirrorSetup: a POST replaces the configuration (200, not 201)
  { name: `${api(r, 'mirror')} [${label(r)}]`, method: 'POST', request: async () => ({ path: api(r, 'mirror'), ...json(await mirrorInput()) }), expect: expectedRow({ need: 'admin', ...r, ok: 200 }) },
  { name: `${api(r, 'mirror')} [${label(r)}]`, method: 'GET', request: () => ({ path: api(r, 'mirror') }), expect: expectedRow({ need: 'read', ...r, ok: 200 }) },
  // the run fails (nothing listens upstream) and says so in a 200 summary: the route's answer after authorization
  { name: `${api(r, 'mirror/run')} [${label(r)}]`, method: 'POST', request: () => ({ path: api(r, 'mirror/run') }), expect: expectedRow({ need: 'admin', ...r, ok: 200 }) },
  { name: `${api(r, 'mirror')} [${label(r)}]`, method: 'PATCH', request: () => ({ path: api(r, 'mirror'), ...json({ intervalSeconds: 7200 }) }), expect: expectedRow({ need: 'admin', ...r, ok: 200 }) },
  {
    name: `${api(r, 'mirror')} [${label(r)}]`, method: 'DELETE',
    // configured again before every request: every allowed credential removes a configuration that is there
    request: async (w) => {
      await writeMirrorConfig(w.svc.store, r.tenant, r.repo, normalizeMirrorInput({ ...(await mirrorInput()), metalink: false, include: [], exclude: [], arches: [] }, w.svc.deps.clock()));
      return { path: api(r, 'mirror') };
    },
    expect: expectedRow({ need: 'admin', ...r, ok: 204 }),
  },
]);

const everyone = (status: number): Record<Who, number> => Object.fromEntries(WHO.map((w) => [w, status])) as Record<Who, number>;

export const publicCases: MatrixCase[] = [
  { name: '/healthz', method: 'GET', request: () => ({ path: '/healthz' }), expect: everyone(200) },
  { name: '/api/v1/openapi.json', method: 'GET', request: () => ({ path: '/api/v1/openapi.json' }), expect: everyone(200) },
  // a publisher key b trusts, served to anyone who names its fingerprint (config.repo lists it)
  {
    name: '/keys/{fingerprint}.asc', method: 'GET',
    request: async (w) => {
      const key = await keyOfB();
      await addTrustedKey(w.svc.store, { tenant: 'b', repo: 'z' }, key.publicArmored);
      return { path: `/keys/${key.fingerprint}.asc` };
    },
    expect: everyone(200),
  },
];

let bKey: Promise<TestPgpKey> | undefined;
const keyOfB = (): Promise<TestPgpKey> => (bKey ??= publisherKey('B publisher'));

/** A checksum-named file of the repo's served generation. */
async function checksumFile(w: World, r: Repo): Promise<string> {
  const file = (await currentGeneration(w.svc.store, r.tenant, r.repo))?.record.files.find((f) => /^[0-9a-f]{64}-/.test(f));
  if (!file) throw new Error(`${r.tenant}/${r.repo} has no generation: run serviceSetup first`);
  return file;
}

const DNF_FILES: { what: string; path: (w: World, r: Repo) => string | Promise<string> }[] = [
  { what: 'repodata/repomd.xml', path: () => 'repodata/repomd.xml' },
  { what: 'repodata/repomd.xml.asc', path: () => 'repodata/repomd.xml.asc' },
  { what: 'repodata/repomd.xml.key', path: () => 'repodata/repomd.xml.key' },
  { what: 'repodata/{sha256}-{kind}.xml.gz', path: async (w, r) => `repodata/${await checksumFile(w, r)}` },
  { what: PACKAGE_LOCATION, path: () => PACKAGE_LOCATION },
];

/** dnf paths × GET/HEAD × repos, the credential sent as `auth` (dnf sends Basic; Bearer works too). */
export function dnfCases(auth: 'basic' | 'bearer'): MatrixCase[] {
  return REPOS.flatMap((r): MatrixCase[] => [
    ...DNF_FILES.flatMap(({ what, path }) => (['GET', 'HEAD'] as const).map((method): MatrixCase => ({
      name: `/${r.tenant}/${r.repo}/${what} [${label(r)}, ${auth}]`, method, auth,
      request: async (w) => ({ path: `/${r.tenant}/${r.repo}/${await path(w, r)}` }),
      expect: expectedRow({ need: 'read', ...r, ok: 200 }),
    }))),
    {
      name: `/${r.tenant}/${r.repo}/config.repo [${label(r)}, ${auth}]`, method: 'GET', auth,
      request: () => ({ path: `/${r.tenant}/${r.repo}/config.repo` }), expect: expectedRow({ need: 'read', ...r, ok: 200 }),
    },
  ]);
}
