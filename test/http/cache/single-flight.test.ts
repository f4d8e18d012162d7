// Every cache refill is single-flight (docs/service.md, Serving from memory): N concurrent dnf
// requests right after a publish cost one read of the index head, one of its segment list, one
// of the segment covering the location, and one verification of their credential; N concurrent
// repomd.xml/.asc requests cost one read of the repo's settings, the generation pointer and its record.
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/adapters/node/config.js';
import { buildAppDeps, serveCacheOptions } from '../../../src/adapters/node/deps.js';
import { jsonLogger } from '../../../src/adapters/node/logger.js';
import { createToken } from '../../../src/auth/tokens.js';
import { createApp } from '../../../src/http/app.js';
import { createRepo } from '../../../src/repo/repos.js';
import { createTenant } from '../../../src/repo/tenants.js';
import type { BlobStore } from '../../../src/storage/blob-store.js';
import { createMemoryBlobStore } from '../../../src/storage/memory-store.js';
import { syntheticRpm } from '../../repo/support.js';

const ADMIN = 'single-flight-operator-token';

function counting(store: BlobStore): { store: BlobStore; gets: string[] } {
  const gets: string[] = [];
  return {
    gets,
    store: {
      get: (k, o) => (gets.push(k), store.get(k, o)), head: (k) => store.head(k), put: (k, b, o) => store.put(k, b, o),
      delete: (k, o) => store.delete(k, o), list: (p, o) => store.list(p, o),
    },
  };
}

describe('single-flight refills', () => {
  it('40 concurrent requests for a just-published package read head, list, segment and token once each', async () => {
    const base = createMemoryBlobStore();
    const { store, gets } = counting(base);
    const config = loadConfig({});
    const { operatorTokenHash } = await import('../../../src/auth/operator.js');
    const { deps, sink } = buildAppDeps(config, store, await operatorTokenHash(ADMIN), jsonLogger(() => undefined), serveCacheOptions(config));
    await createTenant(base, 'acme', new Date());
    await createRepo(base, { tenant: 'acme', name: 'main', public: false, allowUnsigned: true }, new Date());
    const app = createApp(deps);
    const { token } = await createToken(base, { tenant: 'acme', scopes: ['read'], repos: null, expiresAt: null }, new Date());
    const auth = { authorization: `Basic ${btoa(`dnf:${token}`)}` };

    const first = await app.request('/api/v1/repos/acme/main/packages', { method: 'PUT', body: syntheticRpm('one'), headers: { authorization: `Bearer ${ADMIN}` } });
    expect(first.status).toBe(201);
    const one = (await first.json()) as { location: string };
    expect((await app.request(`/acme/main/${one.location}`, { headers: auth })).status).toBe(200); // caches warm
    // published through another process (its own store object and caches), as another worker or server
    const elsewhere = buildAppDeps(config, counting(base).store, await operatorTokenHash(ADMIN), jsonLogger(() => undefined), serveCacheOptions(config));
    const put = await createApp(elsewhere.deps).request('/api/v1/repos/acme/main/packages', { method: 'PUT', body: syntheticRpm('two'), headers: { authorization: `Bearer ${ADMIN}` } });
    const two = (await put.json()) as { location: string };
    await Promise.all([sink.idle(), elsewhere.sink.idle()]);

    gets.length = 0;
    const other = (await createToken(base, { tenant: 'acme', scopes: ['read'], repos: null, expiresAt: null }, new Date())).token;
    const fresh = { authorization: `Basic ${btoa(`dnf:${other}`)}` };
    const res = await Promise.all(Array.from({ length: 40 }, () => app.request(`/acme/main/${two.location}`, { headers: fresh })));
    expect(res.map((r) => r.status)).toEqual(Array(40).fill(200));
    await Promise.all(res.map((r) => r.arrayBuffer()));
    const count = (re: RegExp): number => gets.filter((k) => re.test(k)).length;
    expect(count(/\/index\.json$/)).toBe(1);
    expect(count(/\/index\/lists\//)).toBe(1);
    expect(count(/\/index\/segments\//)).toBe(1);
    expect(count(/^tokens\//)).toBe(1);
    expect(count(/\/blobs\//)).toBe(1);
  });

  it('80 concurrent repomd.xml and .asc requests after a publish elsewhere read the generation pointer and record once', async () => {
    const base = createMemoryBlobStore();
    const config = loadConfig({});
    const { operatorTokenHash } = await import('../../../src/auth/operator.js');
    await createTenant(base, 'acme', new Date());
    await createRepo(base, { tenant: 'acme', name: 'main', public: true, allowUnsigned: true }, new Date());
    const { store, gets } = counting(base);
    const { deps } = buildAppDeps(config, store, await operatorTokenHash(ADMIN), jsonLogger(() => undefined), serveCacheOptions(config));
    const app = createApp(deps);
    // published through another process, whose regeneration commits a generation this one has not seen
    const elsewhere = buildAppDeps(config, base, await operatorTokenHash(ADMIN), jsonLogger(() => undefined), serveCacheOptions(config));
    const put = await createApp(elsewhere.deps).request('/api/v1/repos/acme/main/packages', { method: 'PUT', body: syntheticRpm('one'), headers: { authorization: `Bearer ${ADMIN}` } });
    expect(put.status).toBe(201);
    await elsewhere.sink.idle();

    gets.length = 0;
    const paths = Array.from({ length: 80 }, (_, i) => `/acme/main/repodata/repomd.xml${i % 2 ? '.asc' : ''}`);
    const res = await Promise.all(paths.map((p) => app.request(p)));
    expect(res.map((r) => r.status)).toEqual(Array(80).fill(200));
    const bodies = await Promise.all(res.map((r) => r.text()));
    expect(bodies[0]).toContain('<revision>1</revision>');
    const count = (re: RegExp): number => gets.filter((k) => re.test(k)).length;
    expect(count(/\/current\.json$/)).toBe(1);
    expect(count(/\/generations\/[^/]+\.json$/)).toBe(1);
    expect(count(/\/config\.json$/)).toBe(1);
  });
});
