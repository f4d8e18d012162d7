/**
 * The admin routes' rows of the isolation matrix (isolation-matrix.ts), shared by the admin-app
 * matrix (isolation.test.ts) and the composed-app matrix (isolation-service.test.ts).
 */
import { createToken } from '../../src/auth/tokens.js';
import { createRepo } from '../../src/repo/repos.js';
import { createTenant } from '../../src/repo/tenants.js';
import { addTrustedKey } from '../../src/repo/trusted-keys.js';
import { metadataKeyKey } from '../../src/storage/keys.js';
import { publisherKey, type TestPgpKey } from '../repo/pgp-fixtures.js';
import { expectedRow, type MatrixCase, type World } from './isolation-matrix.js';

let made: Promise<TestPgpKey> | undefined;
/** One key for every case (made on first use: generating one per request would dominate the run). */
const matrixKey = (): Promise<TestPgpKey> => (made ??= publisherKey('Matrix'));

const json = (value: unknown) => ({ body: JSON.stringify(value), headers: { 'content-type': 'application/json' } });
const armored = async () => ({ body: (await matrixKey()).publicArmored, headers: { 'content-type': 'application/pgp-keys' } });
async function withKey(world: World, tenant: string, repo?: string): Promise<string> {
  const key = await matrixKey();
  await addTrustedKey(world.svc.store, repo === undefined ? { tenant } : { tenant, repo }, key.publicArmored);
  return key.fingerprint;
}
async function freshToken(world: World, tenant: string): Promise<string> {
  return (await createToken(world.svc.store, { tenant, scopes: ['read'], repos: null, expiresAt: null }, world.svc.deps.clock())).id;
}

/** A new repo of tenant a per request, deleted by the case (it adopts a/x's metadata key: no key generation per request). */
async function freshRepo(world: World): Promise<string> {
  const { store } = world.svc;
  const name = world.unique('gone');
  const key = await store.get(metadataKeyKey('a', 'x'));
  if (!key) throw new Error('a/x has no metadata key');
  await store.put(metadataKeyKey('a', name), new Uint8Array(await new Response(key.body).arrayBuffer()));
  await createRepo(store, { tenant: 'a', name, public: false, allowUnsigned: false }, world.svc.deps.clock());
  return name;
}
async function freshTenant(world: World): Promise<string> {
  const name = world.unique('gone');
  await createTenant(world.svc.store, name, world.svc.deps.clock());
  return name;
}

export const adminCases: MatrixCase[] = [
  { name: '/api/v1/tenants', method: 'POST', request: (w) => ({ path: '/api/v1/tenants', ...json({ name: w.unique('t') }) }), expect: expectedRow({ need: 'operator', tenant: 'a', ok: 201 }) },
  { name: '/api/v1/tenants/a', method: 'GET', request: () => ({ path: '/api/v1/tenants/a' }), expect: expectedRow({ need: 'read', tenant: 'a', ok: 200 }) },
  { name: '/api/v1/tenants/b', method: 'GET', request: () => ({ path: '/api/v1/tenants/b' }), expect: expectedRow({ need: 'read', tenant: 'b', ok: 200 }) },
  { name: '/api/v1/tenants/a/repos', method: 'POST', request: (w) => ({ path: '/api/v1/tenants/a/repos', ...json({ name: w.unique('r') }) }), expect: expectedRow({ need: 'admin', tenant: 'a', ok: 201 }) },
  { name: '/api/v1/tenants/b/repos', method: 'POST', request: (w) => ({ path: '/api/v1/tenants/b/repos', ...json({ name: w.unique('r') }) }), expect: expectedRow({ need: 'admin', tenant: 'b', ok: 201 }) },
  { name: '/api/v1/tenants/a/repos', method: 'GET', request: () => ({ path: '/api/v1/tenants/a/repos' }), expect: expectedRow({ need: 'read', tenant: 'a', ok: 200 }) },
  { name: '/api/v1/tenants/b/repos', method: 'GET', request: () => ({ path: '/api/v1/tenants/b/repos' }), expect: expectedRow({ need: 'read', tenant: 'b', ok: 200 }) },
  { name: '/api/v1/repos/a/x', method: 'GET', request: () => ({ path: '/api/v1/repos/a/x' }), expect: expectedRow({ need: 'read', tenant: 'a', repo: 'x', ok: 200 }) },
  { name: '/api/v1/repos/a/y', method: 'GET', request: () => ({ path: '/api/v1/repos/a/y' }), expect: expectedRow({ need: 'read', tenant: 'a', repo: 'y', ok: 200 }) },
  { name: '/api/v1/repos/a/pub (public)', method: 'GET', request: () => ({ path: '/api/v1/repos/a/pub' }), expect: expectedRow({ need: 'read', tenant: 'a', repo: 'pub', ok: 200 }) },
  { name: '/api/v1/repos/b/z', method: 'GET', request: () => ({ path: '/api/v1/repos/b/z' }), expect: expectedRow({ need: 'read', tenant: 'b', repo: 'z', ok: 200 }) },
  { name: '/api/v1/repos/a/x', method: 'PATCH', request: () => ({ path: '/api/v1/repos/a/x', ...json({ description: 'x' }) }), expect: expectedRow({ need: 'admin', tenant: 'a', repo: 'x', ok: 200 }) },
  { name: '/api/v1/repos/a/pub (public)', method: 'PATCH', request: () => ({ path: '/api/v1/repos/a/pub', ...json({ public: true }) }), expect: expectedRow({ need: 'admin', tenant: 'a', repo: 'pub', ok: 200 }) },
  { name: '/api/v1/repos/b/z', method: 'PATCH', request: () => ({ path: '/api/v1/repos/b/z', ...json({ description: 'z' }) }), expect: expectedRow({ need: 'admin', tenant: 'b', repo: 'z', ok: 200 }) },
  { name: '/api/v1/repos/a/{new repo}', method: 'DELETE', request: async (w) => ({ path: `/api/v1/repos/a/${await freshRepo(w)}` }), expect: expectedRow({ need: 'admin', tenant: 'a', ok: 204 }) },
  // no credential but the operator's deletes a tenant: the operator gets tenant_not_empty for a (it has repos) …
  { name: '/api/v1/tenants/a', method: 'DELETE', request: () => ({ path: '/api/v1/tenants/a' }), expect: expectedRow({ need: 'operator', tenant: 'a', ok: 409 }) },
  // … and deletes an empty one
  { name: '/api/v1/tenants/{new tenant}', method: 'DELETE', request: async (w) => ({ path: `/api/v1/tenants/${await freshTenant(w)}` }), expect: expectedRow({ need: 'operator', tenant: 'a', ok: 204 }) },
  { name: '/api/v1/tenants/a/usage', method: 'GET', request: () => ({ path: '/api/v1/tenants/a/usage' }), expect: expectedRow({ need: 'admin', tenant: 'a', ok: 200 }) },
  { name: '/api/v1/tenants/b/usage', method: 'GET', request: () => ({ path: '/api/v1/tenants/b/usage' }), expect: expectedRow({ need: 'admin', tenant: 'b', ok: 200 }) },
  { name: '/api/v1/tenants/a/limits', method: 'GET', request: () => ({ path: '/api/v1/tenants/a/limits' }), expect: expectedRow({ need: 'admin', tenant: 'a', ok: 200 }) },
  { name: '/api/v1/tenants/b/limits', method: 'GET', request: () => ({ path: '/api/v1/tenants/b/limits' }), expect: expectedRow({ need: 'admin', tenant: 'b', ok: 200 }) },
  // "default" changes nothing that the other rows depend on
  { name: '/api/v1/tenants/a/limits', method: 'PATCH', request: () => ({ path: '/api/v1/tenants/a/limits', ...json({ quotaBytes: 'default', rateLimit: 'default' }) }), expect: expectedRow({ need: 'operator', tenant: 'a', ok: 200 }) },
  { name: '/api/v1/tenants/b/limits', method: 'PATCH', request: () => ({ path: '/api/v1/tenants/b/limits', ...json({ rateLimit: 'default' }) }), expect: expectedRow({ need: 'operator', tenant: 'b', ok: 200 }) },
  { name: '/api/v1/tenants/a/keys', method: 'POST', request: async () => ({ path: '/api/v1/tenants/a/keys', ...(await armored()) }), expect: expectedRow({ need: 'admin', tenant: 'a', ok: 201 }) },
  { name: '/api/v1/repos/a/x/keys', method: 'POST', request: async () => ({ path: '/api/v1/repos/a/x/keys', ...(await armored()) }), expect: expectedRow({ need: 'admin', tenant: 'a', repo: 'x', ok: 201 }) },
  { name: '/api/v1/repos/a/pub/keys', method: 'POST', request: async () => ({ path: '/api/v1/repos/a/pub/keys', ...(await armored()) }), expect: expectedRow({ need: 'admin', tenant: 'a', repo: 'pub', ok: 201 }) },
  { name: '/api/v1/repos/b/z/keys', method: 'POST', request: async () => ({ path: '/api/v1/repos/b/z/keys', ...(await armored()) }), expect: expectedRow({ need: 'admin', tenant: 'b', repo: 'z', ok: 201 }) },
  { name: '/api/v1/tenants/a/keys', method: 'GET', request: () => ({ path: '/api/v1/tenants/a/keys' }), expect: expectedRow({ need: 'read', tenant: 'a', ok: 200 }) },
  { name: '/api/v1/repos/a/x/keys', method: 'GET', request: () => ({ path: '/api/v1/repos/a/x/keys' }), expect: expectedRow({ need: 'read', tenant: 'a', repo: 'x', ok: 200 }) },
  { name: '/api/v1/repos/a/y/keys', method: 'GET', request: () => ({ path: '/api/v1/repos/a/y/keys' }), expect: expectedRow({ need: 'read', tenant: 'a', repo: 'y', ok: 200 }) },
  { name: '/api/v1/repos/a/pub/keys (public)', method: 'GET', request: () => ({ path: '/api/v1/repos/a/pub/keys' }), expect: expectedRow({ need: 'read', tenant: 'a', repo: 'pub', ok: 200 }) },
  { name: '/api/v1/tenants/b/keys', method: 'GET', request: () => ({ path: '/api/v1/tenants/b/keys' }), expect: expectedRow({ need: 'read', tenant: 'b', ok: 200 }) },
  { name: '/api/v1/tenants/a/keys/{fpr}', method: 'DELETE', request: async (w) => ({ path: `/api/v1/tenants/a/keys/${await withKey(w, 'a')}` }), expect: expectedRow({ need: 'admin', tenant: 'a', ok: 204 }) },
  { name: '/api/v1/repos/a/x/keys/{fpr}', method: 'DELETE', request: async (w) => ({ path: `/api/v1/repos/a/x/keys/${await withKey(w, 'a', 'x')}` }), expect: expectedRow({ need: 'admin', tenant: 'a', repo: 'x', ok: 204 }) },
  { name: '/api/v1/repos/a/pub/keys/{fpr}', method: 'DELETE', request: async (w) => ({ path: `/api/v1/repos/a/pub/keys/${await withKey(w, 'a', 'pub')}` }), expect: expectedRow({ need: 'admin', tenant: 'a', repo: 'pub', ok: 204 }) },
  { name: '/api/v1/tenants/b/keys/{fpr}', method: 'DELETE', request: async (w) => ({ path: `/api/v1/tenants/b/keys/${await withKey(w, 'b')}` }), expect: expectedRow({ need: 'admin', tenant: 'b', ok: 204 }) },
  { name: '/api/v1/tenants/a/tokens', method: 'POST', request: () => ({ path: '/api/v1/tenants/a/tokens', ...json({ scopes: ['read'] }) }), expect: expectedRow({ need: 'admin', tenant: 'a', ok: 201 }) },
  { name: '/api/v1/tenants/b/tokens', method: 'POST', request: () => ({ path: '/api/v1/tenants/b/tokens', ...json({ scopes: ['read'] }) }), expect: expectedRow({ need: 'admin', tenant: 'b', ok: 201 }) },
  { name: '/api/v1/tenants/a/tokens', method: 'GET', request: () => ({ path: '/api/v1/tenants/a/tokens' }), expect: expectedRow({ need: 'admin', tenant: 'a', ok: 200 }) },
  { name: '/api/v1/tenants/b/tokens', method: 'GET', request: () => ({ path: '/api/v1/tenants/b/tokens' }), expect: expectedRow({ need: 'admin', tenant: 'b', ok: 200 }) },
  { name: '/api/v1/tokens/{id of a}', method: 'DELETE', request: async (w) => ({ path: `/api/v1/tokens/${await freshToken(w, 'a')}` }), expect: expectedRow({ need: 'admin', tenant: 'a', ok: 204 }) },
  { name: '/api/v1/tokens/{id of b}', method: 'DELETE', request: async (w) => ({ path: `/api/v1/tokens/${await freshToken(w, 'b')}` }), expect: expectedRow({ need: 'admin', tenant: 'b', ok: 204 }) },
  { name: '/api/v1/tenants/a/audit', method: 'GET', request: () => ({ path: '/api/v1/tenants/a/audit' }), expect: expectedRow({ need: 'admin', tenant: 'a', ok: 200 }) },
  { name: '/api/v1/tenants/b/audit', method: 'GET', request: () => ({ path: '/api/v1/tenants/b/audit' }), expect: expectedRow({ need: 'admin', tenant: 'b', ok: 200 }) },
];

