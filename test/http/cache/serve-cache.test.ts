// The serve cache as wired by the Node server: new metadata right after regeneration, repomd.xml
// and .asc from one generation, the byte budget, GC'd files, and token revocation windows.
import * as openpgp from 'openpgp';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/adapters/node/config.js';
import { buildAppDeps } from '../../../src/adapters/node/deps.js';
import { jsonLogger } from '../../../src/adapters/node/logger.js';
import { operatorTokenHash } from '../../../src/auth/operator.js';
import { createToken, revokeToken } from '../../../src/auth/tokens.js';
import { createApp } from '../../../src/http/app.js';
import { DEFAULT_SERVE_CACHE, ServeCache, type ServedGeneration } from '../../../src/http/cache/serve-cache.js';
import { createRepo } from '../../../src/repo/repos.js';
import { createTenant } from '../../../src/repo/tenants.js';
import { createMemoryBlobStore } from '../../../src/storage/memory-store.js';
import { syntheticRpm } from '../../repo/support.js';

const OPERATOR = 'operator-secret-for-cache-tests';
const BASE = 'http://repo.test/acme';

async function service() {
  const store = createMemoryBlobStore();
  const clock = { ms: Date.now() };
  const logger = jsonLogger(() => undefined);
  const { deps, sink } = buildAppDeps(loadConfig({}), store, await operatorTokenHash(OPERATOR), logger, { ...DEFAULT_SERVE_CACHE, now: () => clock.ms });
  await createTenant(store, 'acme', new Date());
  for (const [name, pub] of [['open', true], ['closed', false]] as const) {
    await createRepo(store, { tenant: 'acme', name, public: pub, allowUnsigned: true }, new Date());
  }
  const app = createApp(deps);
  const auth = { authorization: `Bearer ${OPERATOR}` };
  const publish = async (repo: string, name: string): Promise<void> => {
    const res = await app.request(`/api/v1/repos/acme/${repo}/packages`, { method: 'PUT', headers: auth, body: syntheticRpm(name) });
    expect(res.status).toBe(201);
    await sink.idle();
  };
  return { store, deps, sink, app, clock, publish, auth };
}

const revisionOf = (repomd: string): number => Number(/<revision>(\d+)<\/revision>/.exec(repomd)?.[1]);

async function verifies(xml: string, asc: string, key: string): Promise<boolean> {
  const { signatures } = await openpgp.verify({
    message: await openpgp.createMessage({ binary: new TextEncoder().encode(xml) }),
    signature: await openpgp.readSignature({ armoredSignature: asc }),
    verificationKeys: await openpgp.readKey({ armoredKey: key }),
  });
  return signatures[0]!.verified.then(() => true, () => false);
}

describe('serve cache (Node wiring)', () => {
  it('serves the new repomd.xml right after a regeneration, with the .asc of the same generation', async () => {
    const s = await service();
    const key = await (await s.app.request(`${BASE}/open/repodata/repomd.xml.key`)).text();
    const seen: number[] = [];
    for (const name of ['one', 'two', 'three']) {
      await s.publish('open', name);
      // the clock is frozen: only the regeneration's invalidation can make the new one visible
      const xml = await (await s.app.request(`${BASE}/open/repodata/repomd.xml`)).text();
      const asc = await (await s.app.request(`${BASE}/open/repodata/repomd.xml.asc`)).text();
      seen.push(revisionOf(xml));
      expect(await verifies(xml, asc, key)).toBe(true);
    }
    expect(seen).toEqual([1, 2, 3]);
  });

  it('a generation committed behind its back shows after the pointer TTL, not before', async () => {
    const s = await service();
    await s.publish('open', 'one');
    const first = await (await s.app.request(`${BASE}/open/repodata/repomd.xml`)).text();
    // Another instance publishes and regenerates: this process gets no invalidation.
    const other = buildAppDeps(loadConfig({}), s.store, await operatorTokenHash(OPERATOR), jsonLogger(() => undefined));
    const put = await createApp(other.deps).request(`/api/v1/repos/acme/open/packages`, { method: 'PUT', headers: s.auth, body: syntheticRpm('elsewhere') });
    expect(put.status).toBe(201);
    await other.sink.idle();
    expect(await (await s.app.request(`${BASE}/open/repodata/repomd.xml`)).text()).toBe(first);
    s.clock.ms += DEFAULT_SERVE_CACHE.pointerTtlMs;
    const later = await (await s.app.request(`${BASE}/open/repodata/repomd.xml`)).text();
    expect(revisionOf(later)).toBe(revisionOf(first) + 1);
  });

  it('a load that began before an invalidation does not replace the newer state', async () => {
    const cache = new ServeCache({ ...DEFAULT_SERVE_CACHE, now: () => 0 });
    const gen = (revision: number): ServedGeneration => {
      const doc = { bytes: new Uint8Array([revision]), etag: `"${revision}"`, lastModified: new Date(0) };
      return { revision, repomd: doc, asc: doc, files: [], texts: [`${revision}`, `${revision}`] };
    };
    let release!: (g: ServedGeneration) => void;
    const slow = cache.generation('t', 'r', () => new Promise((r) => (release = r)));
    cache.invalidateRepo('t', 'r'); // the regeneration committed while the old pointer was being read
    release(gen(1));
    expect((await slow)?.revision).toBe(1); // that request still gets what it read
    expect((await cache.generation('t', 'r', async () => gen(2)))?.revision).toBe(2);
    expect((await cache.generation('t', 'r', async () => gen(3)))?.revision).toBe(2); // now cached
  });

  it('keeps file contents within the byte budget, streams files over the size cap', async () => {
    const store = createMemoryBlobStore();
    const cache = new ServeCache({ ...DEFAULT_SERVE_CACHE, byteBudget: 1000, maxFileBytes: 600 });
    for (let i = 0; i < 5; i++) await store.put(`f/${i}`, new Uint8Array(400).fill(i));
    await store.put('f/big', new Uint8Array(700).fill(9));
    for (let i = 0; i < 5; i++) {
      const src = await cache.file(store, `f/${i}`);
      expect(src?.bytes?.[0]).toBe(i);
      expect(cache.fileBytes).toBeLessThanOrEqual(1000);
    }
    expect(cache.fileBytes).toBe(800); // the two most recent
    const big = await cache.file(store, 'f/big');
    expect(big?.bytes).toBeUndefined();
    expect(new Uint8Array(await new Response(await big!.open()).arrayBuffer())).toEqual(new Uint8Array(700).fill(9));
    expect(cache.fileBytes).toBe(800);
    // least recently used goes first: touch 3, load 0 again → 4 is evicted, 3 stays
    await cache.file(store, 'f/3');
    await cache.file(store, 'f/0');
    await store.delete('f/3');
    await store.delete('f/4');
    expect((await cache.file(store, 'f/3'))?.bytes?.[0]).toBe(3);
    expect(await cache.file(store, 'f/4')).toBeNull();
  });

  it('a large file is streamed with one store call per request while its head is fresh, re-checked after the interval', async () => {
    const inner = createMemoryBlobStore();
    const calls: string[] = [];
    const store = new Proxy(inner, {
      get(target, prop, receiver) {
        const v = Reflect.get(target, prop, receiver) as unknown;
        if ((prop === 'head' || prop === 'get') && typeof v === 'function') {
          return (...args: unknown[]) => {
            calls.push(String(prop));
            return (v as (...a: unknown[]) => unknown).apply(target, args);
          };
        }
        return v;
      },
    });
    let now = 0;
    const cache = new ServeCache({ ...DEFAULT_SERVE_CACHE, maxFileBytes: 600, now: () => now });
    await inner.put('f/big', new Uint8Array(700).fill(7));
    const serve = async (): Promise<Uint8Array | null> => {
      const src = await cache.file(store, 'f/big');
      return src ? new Uint8Array(await new Response(await src.open()).arrayBuffer()) : null;
    };
    expect(await serve()).toEqual(new Uint8Array(700).fill(7));
    expect(calls.splice(0)).toEqual(['head', 'get']);
    for (let i = 0; i < 3; i++) expect(await serve()).toEqual(new Uint8Array(700).fill(7));
    expect(calls.splice(0)).toEqual(['get', 'get', 'get']);
    expect(cache.fileBytes).toBe(0); // never held in memory
    // deleted (GC): within the interval the open fails cleanly; after it, head says so
    await inner.delete('f/big');
    await expect(serve()).rejects.toMatchObject({ status: 404 });
    now += DEFAULT_SERVE_CACHE.recheckMs;
    expect(await serve()).toBeNull();
    expect(calls.splice(0)).toEqual(['get', 'head']);
  });

  it('a file deleted by GC is served from memory at most for the recheck interval', async () => {
    const store = createMemoryBlobStore();
    let now = 0;
    const cache = new ServeCache({ ...DEFAULT_SERVE_CACHE, now: () => now });
    await store.put('t/acme/blobs/x', new Uint8Array([1, 2, 3]));
    expect((await cache.file(store, 't/acme/blobs/x'))?.bytes).toEqual(new Uint8Array([1, 2, 3]));
    await store.delete('t/acme/blobs/x');
    now += DEFAULT_SERVE_CACHE.recheckMs - 1;
    expect(await cache.file(store, 't/acme/blobs/x')).not.toBeNull();
    now += 1;
    expect(await cache.file(store, 't/acme/blobs/x')).toBeNull();
    expect(cache.fileBytes).toBe(0);
  });

  it('a token revoked elsewhere is refused once the TTL has passed; revoked through this API at once', async () => {
    const s = await service();
    await s.publish('closed', 'one');
    const url = `${BASE}/closed/repodata/repomd.xml`;
    const mint = () => createToken(s.store, { tenant: 'acme', scopes: ['read'], repos: ['closed'], expiresAt: null }, new Date());
    const elsewhere = await mint();
    const basic = { authorization: `Basic ${btoa(`dnf:${elsewhere.token}`)}` };
    expect((await s.app.request(url, { headers: basic })).status).toBe(200);
    await revokeToken(s.store, elsewhere.id); // another instance revoked it
    expect((await s.app.request(url, { headers: basic })).status).toBe(200);
    s.clock.ms += DEFAULT_SERVE_CACHE.tokenTtlMs;
    const refused = await s.app.request(url, { headers: basic });
    expect(refused.status).toBe(401);
    expect(((await refused.json()) as { code: string }).code).toBe('invalid_token');

    const here = await mint();
    const bearer = { authorization: `Bearer ${here.token}` };
    expect((await s.app.request(url, { headers: bearer })).status).toBe(200);
    expect((await s.app.request(`/api/v1/tokens/${here.id}`, { method: 'DELETE', headers: s.auth })).status).toBe(204);
    expect((await s.app.request(url, { headers: bearer })).status).toBe(401);
  });

  it('anonymous reads of a private repo stay refused while its settings are cached', async () => {
    const s = await service();
    await s.publish('closed', 'one');
    const ok = await s.app.request(`${BASE}/closed/repodata/repomd.xml`, { headers: s.auth });
    expect(ok.status).toBe(200);
    expect((await s.app.request(`${BASE}/closed/repodata/repomd.xml`)).status).toBe(401);
    const pkgs = (await (await s.app.request('/api/v1/repos/acme/closed/packages', { headers: s.auth })).json()) as { packages: { location: string }[] };
    expect((await s.app.request(`${BASE}/closed/${pkgs.packages[0]!.location}`)).status).toBe(401);
    expect((await s.app.request(`${BASE}/closed/${pkgs.packages[0]!.location}`, { headers: s.auth })).headers.get('cache-control')).toBe('private, max-age=31536000, immutable');
  });

  it('tells its siblings of invalidations made through it, waits for them, and applies theirs without echoing', async () => {
    const told: unknown[] = [];
    let release = (): void => {};
    const cache = new ServeCache({
      ...DEFAULT_SERVE_CACHE,
      onInvalidate: (e) => {
        told.push(e);
        return new Promise<void>((r) => (release = r));
      },
    });
    const gen = { revision: 1 } as ServedGeneration;
    await cache.generation('t', 'r', () => Promise.resolve(gen));
    expect(cache.generationNow('t', 'r')).toBe(gen);
    let settled = false;
    const invalidated = cache.invalidateRepo('t', 'r').then(() => (settled = true));
    expect(cache.generationNow('t', 'r')).toBeUndefined(); // dropped here at once
    await Promise.resolve();
    expect(settled).toBe(false); // the siblings have not confirmed yet
    release();
    await invalidated;
    expect(told).toEqual([{ kind: 'repo', tenant: 't', repo: 'r' }]);

    const principal = { kind: 'token', id: 'tok1', tenant: 't', scopes: ['read'], repos: null } as const;
    cache.tokens.set('Basic abc', principal as never);
    cache.apply({ kind: 'token', id: 'tok1' }); // a sibling revoked it
    expect(cache.tokens.get('Basic abc')).toBeUndefined();
    await cache.generation('t', 'r', () => Promise.resolve(gen));
    cache.apply({ kind: 'repo', tenant: 't', repo: 'r' });
    expect(cache.generationNow('t', 'r')).toBeUndefined();
    expect(told).toHaveLength(1); // applying a sibling's invalidation is not passed on again
  });
});
