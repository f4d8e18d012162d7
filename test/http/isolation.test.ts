import { beforeAll, describe, expect, it } from 'vitest';
import { createToken } from '../../src/auth/tokens.js';
import { repoConfigKey } from '../../src/storage/keys.js';
import { adminCases } from './isolation-admin-cases.js';
import { buildWorld, describeMatrix, type World } from './isolation-matrix.js';

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
