// No timing oracle for other tenants' repos: for a caller who may not see a repo, every route
// (dnf paths through the pre-router and through hono, config.repo, the repo API) does exactly the
// same store work for a repo that exists and one that does not, cold and with a warm serve
// cache, and a refusal that does not depend on the repo reads nothing of it. Counted in store
// calls, not measured in time.
import { beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/adapters/node/config.js';
import { buildAppDeps } from '../../src/adapters/node/deps.js';
import { jsonLogger } from '../../src/adapters/node/logger.js';
import { operatorTokenHash } from '../../src/auth/operator.js';
import { createToken } from '../../src/auth/tokens.js';
import { createApp } from '../../src/http/app.js';
import type { AppDeps } from '../../src/http/deps.js';
import { createRepo } from '../../src/repo/repos.js';
import { createTenant } from '../../src/repo/tenants.js';
import type { BlobStore } from '../../src/storage/blob-store.js';
import { createMemoryBlobStore } from '../../src/storage/memory-store.js';
import { repoPrefix } from '../../src/storage/keys.js';
import { syntheticRpm } from '../repo/support.js';

const OPERATOR = 'operator-secret-for-oracle-tests';

/** Every call the app makes on the store, as `op key`. */
function counting(store: BlobStore): { store: BlobStore; calls: string[] } {
  const calls: string[] = [];
  const wrapped = Object.create(store) as BlobStore;
  for (const op of ['get', 'head', 'list', 'put', 'delete', 'copy'] as const) {
    const fn = (store as unknown as Record<string, ((...a: unknown[]) => unknown) | undefined>)[op];
    if (typeof fn !== 'function') continue;
    (wrapped as unknown as Record<string, unknown>)[op] = (...args: unknown[]) => {
      calls.push(`${op} ${String(args[0])}`);
      return fn.apply(store, args);
    };
  }
  return { store: wrapped, calls };
}

type Who = 'anonymous' | 'otherTenant' | 'otherTenantAdmin' | 'limitedToX';

interface Route { name: string; method: string; path: (t: string, r: string) => string; body?: () => BodyInit; writes?: boolean }

let primary = '';
let location = '';
let sha = '';
const routes: Route[] = [
  { name: 'repomd.xml', method: 'GET', path: (t, r) => `/${t}/${r}/repodata/repomd.xml` },
  { name: 'repomd.xml HEAD', method: 'HEAD', path: (t, r) => `/${t}/${r}/repodata/repomd.xml` },
  { name: 'repomd.xml.asc', method: 'GET', path: (t, r) => `/${t}/${r}/repodata/repomd.xml.asc` },
  { name: 'repomd.xml.key', method: 'GET', path: (t, r) => `/${t}/${r}/repodata/repomd.xml.key` },
  { name: 'primary', method: 'GET', path: (t, r) => `/${t}/${r}/${primary}` },
  { name: 'package', method: 'GET', path: (t, r) => `/${t}/${r}/${location}` },
  { name: 'package HEAD', method: 'HEAD', path: (t, r) => `/${t}/${r}/${location}` },
  { name: 'config.repo', method: 'GET', path: (t, r) => `/${t}/${r}/config.repo` },
  { name: 'repo', method: 'GET', path: (t, r) => `/api/v1/repos/${t}/${r}` },
  { name: 'package list', method: 'GET', path: (t, r) => `/api/v1/repos/${t}/${r}/packages` },
  { name: 'changes', method: 'GET', path: (t, r) => `/api/v1/repos/${t}/${r}/changes?since=0` },
  { name: 'repo keys', method: 'GET', path: (t, r) => `/api/v1/repos/${t}/${r}/keys` },
  { name: 'mirror', method: 'GET', path: (t, r) => `/api/v1/repos/${t}/${r}/mirror` },
  { name: 'add repo key', method: 'POST', path: (t, r) => `/api/v1/repos/${t}/${r}/keys`, body: () => 'not a key', writes: true },
  { name: 'remove repo key', method: 'DELETE', path: (t, r) => `/api/v1/repos/${t}/${r}/keys/${'A'.repeat(40)}`, writes: true },
  { name: 'publish', method: 'PUT', path: (t, r) => `/api/v1/repos/${t}/${r}/packages`, body: () => syntheticRpm('intruder'), writes: true },
  { name: 'delete package', method: 'DELETE', path: (t, r) => `/api/v1/repos/${t}/${r}/packages/${sha}`, writes: true },
  { name: 'configure mirror', method: 'POST', path: (t, r) => `/api/v1/repos/${t}/${r}/mirror`, body: () => '{"upstream":"https://example.org/"}', writes: true },
  { name: 'run mirror', method: 'POST', path: (t, r) => `/api/v1/repos/${t}/${r}/mirror/run`, writes: true },
  { name: 'retention', method: 'GET', path: (t, r) => `/api/v1/repos/${t}/${r}/retention` },
  { name: 'set retention', method: 'PUT', path: (t, r) => `/api/v1/repos/${t}/${r}/retention`, body: () => '{"keepNewest":1}', writes: true },
  { name: 'apply retention', method: 'POST', path: (t, r) => `/api/v1/repos/${t}/${r}/retention/apply`, body: () => '{"dryRun":true}', writes: true },
  { name: 'promote', method: 'POST', path: (t, r) => `/api/v1/repos/${t}/${r}/promote`, body: () => `{"to":"${'main'}","names":["x"],"dryRun":true}`, writes: true },
  { name: 'metadata keys', method: 'GET', path: (t, r) => `/api/v1/repos/${t}/${r}/metadata-keys` },
  { name: 'add metadata key', method: 'POST', path: (t, r) => `/api/v1/repos/${t}/${r}/metadata-keys`, writes: true },
  { name: 'use metadata key', method: 'POST', path: (t, r) => `/api/v1/repos/${t}/${r}/metadata-keys/${'F'.repeat(40)}/use`, writes: true },
  { name: 'retire metadata key', method: 'DELETE', path: (t, r) => `/api/v1/repos/${t}/${r}/metadata-keys/${'F'.repeat(40)}`, writes: true },
  { name: 'snapshots', method: 'GET', path: (t, r) => `/api/v1/repos/${t}/${r}/snapshots` },
  { name: 'snapshot', method: 'GET', path: (t, r) => `/api/v1/repos/${t}/${r}/snapshots/s1` },
  { name: 'create snapshot', method: 'POST', path: (t, r) => `/api/v1/repos/${t}/${r}/snapshots`, body: () => '{"name":"s2"}', writes: true },
  { name: 'delete snapshot', method: 'DELETE', path: (t, r) => `/api/v1/repos/${t}/${r}/snapshots/s1`, writes: true },
  { name: 'snapshot repomd.xml', method: 'GET', path: (t, r) => `/${t}/${r}/snapshots/s1/repodata/repomd.xml` },
  { name: 'snapshot package', method: 'GET', path: (t, r) => `/${t}/${r}/snapshots/s1/${location}` },
  { name: 'snapshot config.repo', method: 'GET', path: (t, r) => `/${t}/${r}/snapshots/s1/config.repo` },
];

/** Who asks, and the hidden repo (exists) and its missing twin each of them may not see. */
const cases: { who: Who; status: number; exists: [string, string]; missing: [string, string] }[] = [
  { who: 'anonymous', status: 401, exists: ['acme', 'main'], missing: ['acme', 'nosuch'] },
  { who: 'otherTenant', status: 404, exists: ['acme', 'main'], missing: ['acme', 'nosuch'] },
  { who: 'otherTenant', status: 404, exists: ['acme', 'main'], missing: ['nobody', 'main'] },
  { who: 'otherTenantAdmin', status: 404, exists: ['acme', 'main'], missing: ['acme', 'nosuch'] },
  { who: 'limitedToX', status: 403, exists: ['acme', 'main'], missing: ['acme', 'nosuch'] },
];

describe('no existence oracle in the work a refusal costs', () => {
  let base: BlobStore;
  const headers: Record<Who, Record<string, string>> = { anonymous: {}, otherTenant: {}, otherTenantAdmin: {}, limitedToX: {} };

  beforeAll(async () => {
    base = createMemoryBlobStore();
    const now = new Date();
    for (const t of ['acme', 'other']) await createTenant(base, t, now);
    for (const r of ['main', 'x']) await createRepo(base, { tenant: 'acme', name: r, public: false, allowUnsigned: true }, now);
    const { deps, sink } = buildAppDeps(loadConfig({}), base, await operatorTokenHash(OPERATOR), jsonLogger(() => undefined));
    const app = createApp(deps);
    const put = await app.request('/api/v1/repos/acme/main/packages', { method: 'PUT', headers: { authorization: `Bearer ${OPERATOR}` }, body: syntheticRpm('hello') });
    expect(put.status).toBe(201);
    sha = ((await put.json()) as { sha256: string }).sha256;
    await sink.idle();
    const repomd = await (await app.request('/acme/main/repodata/repomd.xml', { headers: { authorization: `Bearer ${OPERATOR}` } })).text();
    primary = /href="(repodata\/[0-9a-f]{64}-primary\.xml\.gz)"/.exec(repomd)![1]!;
    const list = (await (await app.request('/api/v1/repos/acme/main/packages', { headers: { authorization: `Bearer ${OPERATOR}` } })).json()) as { packages: { location: string }[] };
    location = list.packages[0]!.location;
    const snap = await app.request('/api/v1/repos/acme/main/snapshots', { method: 'POST', headers: { authorization: `Bearer ${OPERATOR}`, 'content-type': 'application/json' }, body: '{"name":"s1"}' });
    expect(snap.status).toBe(201);
    const token = async (tenant: string, scopes: ('read' | 'admin')[], repos: string[] | null) =>
      `Bearer ${(await createToken(base, { tenant, scopes, repos, expiresAt: null }, now)).token}`;
    headers.otherTenant = { authorization: await token('other', ['read'], null) };
    headers.otherTenantAdmin = { authorization: await token('other', ['admin'], null) };
    headers.limitedToX = { authorization: await token('acme', ['admin'], ['x']) };
  }, 60_000);

  const wirings: { name: string; deps: (store: BlobStore) => Promise<AppDeps>; preRouter: boolean }[] = [
    { name: 'Node server (serve cache, dnf pre-router)', preRouter: true, deps: async (s) => buildAppDeps(loadConfig({}), s, await operatorTokenHash(OPERATOR), jsonLogger(() => undefined)).deps },
    { name: 'Node server, dnf paths through hono', preRouter: false, deps: async (s) => buildAppDeps(loadConfig({}), s, await operatorTokenHash(OPERATOR), jsonLogger(() => undefined)).deps },
    {
      name: 'no serve cache (Azure Functions)', preRouter: true,
      deps: async (s) => {
        const { cache: _none, ...rest } = buildAppDeps(loadConfig({}), s, await operatorTokenHash(OPERATOR), jsonLogger(() => undefined)).deps;
        return rest;
      },
    },
  ];

  for (const wiring of wirings) {
    describe(wiring.name, () => {
      for (const route of routes) {
        it(route.name, async () => {
          for (const c of cases) {
            // A fresh app (and serve cache) per case on the one store: cold, then warm.
            const { store, calls } = counting(base);
            const app = createApp(await wiring.deps(store), { dnfPreRouter: wiring.preRouter });
            const ask = async ([t, r]: [string, string]) => {
              calls.length = 0;
              const res = await app.request(route.path(t, r), { method: route.method, headers: headers[c.who], ...(route.body ? { body: route.body() } : {}) });
              await res.arrayBuffer();
              return { status: res.status, calls: calls.map((k) => k.replace(/^(\w+) .*$/, '$1')), repoReads: calls.filter((k) => k.includes(` ${repoPrefix(t, r)}`)).length };
            };
            const label = `${c.who} ${c.exists.join('/')} vs ${c.missing.join('/')}`;
            // The credential's own verification is the same for both; settle it (the token cache)
            // first, so the comparison sees only what the repo costs.
            await (await app.request('/api/v1/tenants/unrelated', { headers: headers[c.who] })).arrayBuffer();
            for (const round of ['cold', 'warm']) {
              const exists = await ask(c.exists);
              const missing = await ask(c.missing);
              expect(exists.status, `${label} ${round}`).toBe(c.status);
              expect(missing.status, `${label} ${round}`).toBe(c.status);
              expect(exists.calls, `${label} ${round}: store calls`).toEqual(missing.calls);
              // Refusals that do not depend on the repo (everything but reads) read nothing of it.
              if (route.writes) expect(exists.repoReads, `${label} ${round}: repo reads`).toBe(0);
            }
          }
        });
      }
    });
  }
});
