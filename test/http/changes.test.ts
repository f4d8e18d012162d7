import { beforeAll, describe, expect, it } from 'vitest';
import { changesRoutes } from '../../src/http/routes/changes.js';
import { addPackage } from '../../src/repo/index-store.js';
import { buildWorld, describeMatrix, expectedRow, type MatrixCase, type World } from './isolation-matrix.js';
import type { IndexEntry } from '../../src/repo/index-entry.js';

const routes = changesRoutes;
const path = (t: string, r: string, q = 'since=0'): string => `/api/v1/repos/${t}/${r}/changes?${q}`;

export const changesCases: MatrixCase[] = [
  { name: path('a', 'x'), method: 'GET', request: () => ({ path: path('a', 'x') }), expect: expectedRow({ need: 'read', tenant: 'a', repo: 'x', ok: 200 }) },
  { name: path('a', 'y'), method: 'GET', request: () => ({ path: path('a', 'y') }), expect: expectedRow({ need: 'read', tenant: 'a', repo: 'y', ok: 200 }) },
  { name: `${path('a', 'pub')} (public)`, method: 'GET', request: () => ({ path: path('a', 'pub') }), expect: expectedRow({ need: 'read', tenant: 'a', repo: 'pub', ok: 200 }) },
  { name: path('b', 'z'), method: 'GET', request: () => ({ path: path('b', 'z') }), expect: expectedRow({ need: 'read', tenant: 'b', repo: 'z', ok: 200 }) },
];

describeMatrix('isolation matrix: changes feed', changesCases, { routes });

describe('GET …/changes', () => {
  let world: World;
  const entry: IndexEntry = {
    sha256: 'e'.repeat(64), name: 'echo', epoch: 1, version: '2', release: '3', arch: 'x86_64', filename: 'echo-2-3.x86_64.rpm',
    location: 'Packages/e/echo-2-3.x86_64.rpm', size: 4242, addedAt: 1_700_000_001, signer: null,
  };
  beforeAll(async () => {
    world = await buildWorld({ routes });
    await addPackage(world.svc.store, 'a', 'x', entry, () => new Date());
  }, 60_000);
  const get = async (q: string) => {
    const res = await world.svc.app.request(path('a', 'x', q), { headers: world.headers.aRead });
    return { status: res.status, body: (await res.json()) as Record<string, unknown>, cache: res.headers.get('cache-control') };
  };

  it('lists what was added since a revision', async () => {
    const r = await get('since=0');
    expect(r.status).toBe(200);
    expect(r.cache).toBe('private, no-cache');
    expect(r.body).toEqual({
      from: 0, to: 1, complete: true, removed: [], metadata: [],
      added: [{ sha256: entry.sha256, location: entry.location, size: 4242, nevra: 'echo-1:2-3.x86_64', addedAt: 1_700_000_001 }],
    });
    expect((await get('since=1')).body).toEqual({ from: 1, to: 1, added: [], removed: [], metadata: [], complete: true });
  });

  it('refuses a bad since or until with 400', async () => {
    for (const q of ['', 'since=', 'since=-1', 'since=abc', 'since=1.5', 'since=1234567890123', 'since=0&until=x']) {
      const r = await get(q);
      expect([q, r.status, r.body['code']]).toEqual([q, 400, 'invalid_request']);
    }
    expect((await get('since=0&until=9')).body).toMatchObject({ status: 400, code: 'invalid_range' });
  });
});
