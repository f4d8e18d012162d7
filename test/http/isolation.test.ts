import { beforeAll, describe, expect, it } from 'vitest';
import { createToken } from '../../src/auth/tokens.js';
import { addTrustedKey } from '../../src/repo/trusted-keys.js';
import { repoConfigKey } from '../../src/storage/keys.js';
import { publisherKey, type TestPgpKey } from '../repo/pgp-fixtures.js';
import { buildWorld, describeMatrix, expectedRow, type MatrixCase, type World } from './isolation-matrix.js';

let key: TestPgpKey;
beforeAll(async () => {
  key = await publisherKey('Matrix');
});

const json = (value: unknown) => ({ body: JSON.stringify(value), headers: { 'content-type': 'application/json' } });
const armored = () => ({ body: key.publicArmored, headers: { 'content-type': 'application/pgp-keys' } });
async function withKey(world: World, tenant: string, repo?: string): Promise<string> {
  await addTrustedKey(world.svc.store, repo === undefined ? { tenant } : { tenant, repo }, key.publicArmored);
  return key.fingerprint;
}
async function freshToken(world: World, tenant: string): Promise<string> {
  return (await createToken(world.svc.store, { tenant, scopes: ['read'], repos: null, expiresAt: null }, world.svc.deps.clock())).id;
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
  { name: '/api/v1/tenants/a/keys', method: 'POST', request: () => ({ path: '/api/v1/tenants/a/keys', ...armored() }), expect: expectedRow({ need: 'admin', tenant: 'a', ok: 201 }) },
  { name: '/api/v1/repos/a/x/keys', method: 'POST', request: () => ({ path: '/api/v1/repos/a/x/keys', ...armored() }), expect: expectedRow({ need: 'admin', tenant: 'a', repo: 'x', ok: 201 }) },
  { name: '/api/v1/repos/a/pub/keys', method: 'POST', request: () => ({ path: '/api/v1/repos/a/pub/keys', ...armored() }), expect: expectedRow({ need: 'admin', tenant: 'a', repo: 'pub', ok: 201 }) },
  { name: '/api/v1/repos/b/z/keys', method: 'POST', request: () => ({ path: '/api/v1/repos/b/z/keys', ...armored() }), expect: expectedRow({ need: 'admin', tenant: 'b', repo: 'z', ok: 201 }) },
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

describeMatrix('isolation matrix: admin routes', adminCases);

describe('isolation: no existence oracle', () => {
  let world: World;
  beforeAll(async () => {
    world = await buildWorld();
  }, 60_000);

  const get = async (path: string, who: keyof World['headers'], method = 'GET') => {
    const res = await world.svc.app.request(path, { method, headers: world.headers[who] });
    const body = (await res.json()) as Record<string, unknown>;
    delete body.requestId;
    return { status: res.status, body };
  };

  it('another tenant’s private repo answers exactly like a missing one', async () => {
    const hidden = await get('/api/v1/repos/b/z', 'aAdmin');
    const hiddenKeys = await get('/api/v1/repos/b/z/keys', 'aAdmin');
    await world.svc.store.delete(repoConfigKey('b', 'z'));
    const missingForOwner = await get('/api/v1/repos/b/z', 'bAdmin');
    const missingForOther = await get('/api/v1/repos/b/z', 'aAdmin');
    expect(hidden.status).toBe(404);
    expect(hidden).toEqual(missingForOwner);
    expect(hidden).toEqual(missingForOther);
    expect(hiddenKeys).toEqual(await get('/api/v1/repos/b/z/keys', 'bAdmin'));
  });

  it('another tenant answers exactly like a missing tenant', async () => {
    const hidden = await get('/api/v1/tenants/b', 'aAdmin');
    const missing = await get('/api/v1/tenants/nope', 'operator');
    expect(hidden.status).toBe(404);
    expect(hidden.body).toEqual({ ...missing.body, detail: (missing.body.detail as string).replace('nope', 'b') });
  });

  it('another tenant’s token id answers like an unknown id', async () => {
    const id = (await createToken(world.svc.store, { tenant: 'b', scopes: ['read'], repos: null, expiresAt: null }, world.svc.deps.clock())).id;
    const hidden = await get(`/api/v1/tokens/${id}`, 'aAdmin', 'DELETE');
    const unknown = await get(`/api/v1/tokens/${'a'.repeat(12)}`, 'aAdmin', 'DELETE');
    expect(hidden.status).toBe(404);
    expect(hidden.body).toEqual({ ...unknown.body, detail: (unknown.body.detail as string).replace('a'.repeat(12), id) });
  });

  it('a repo-limited token lists only its repos', async () => {
    const res = await world.svc.app.request('/api/v1/tenants/a/repos', { headers: world.headers.aReadX });
    expect(((await res.json()) as { repos: { name: string }[] }).repos.map((r) => r.name)).toEqual(['x']);
    const all = await world.svc.app.request('/api/v1/tenants/a/repos', { headers: world.headers.aRead });
    expect(((await all.json()) as { repos: { name: string }[] }).repos.map((r) => r.name)).toEqual(['pub', 'x', 'y']);
  });
});
