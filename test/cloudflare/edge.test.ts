// The edge read path in Node, with a memory store and a fake Cache API: access checks before the
// cache, the repomd pair from one generation within the metadata window, the credential window,
// cache keys that cannot go stale, Range bypass, and the Worker's Content-Length keeping with a
// fake FixedLengthStream. (worker-e2e.test.ts runs them in workerd.)
import { describe, expect, it } from 'vitest';
import { createEdge, type EdgeCache } from '../../src/adapters/cloudflare/edge.js';
import { nodePlatform } from '../../src/adapters/node/platform.js';
import { createToken, revokeToken } from '../../src/auth/tokens.js';
import type { AppDeps } from '../../src/http/deps.js';
import type { RepoTenancy } from '../../src/repo/tenancy.js';
import { createMemoryBlobStore } from '../../src/storage/memory-store.js';
import { currentGenerationKey, generationKey, generationPackagesKey, packageBlobKey, repodataKey } from '../../src/storage/keys.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
const SHA = 'ab'.repeat(32);
const FILE = `${'cd'.repeat(32)}-primary.xml.gz`;
const LOCATION = 'Packages/h/hello-1-1.noarch.rpm';

class FakeCache implements EdgeCache {
  readonly entries = new Map<string, { body: Uint8Array; headers: Headers }>();
  async match(key: string): Promise<Response | undefined> {
    const e = this.entries.get(key);
    return e && new Response(e.body.slice(), { headers: e.headers });
  }
  async put(key: string, res: Response): Promise<void> {
    // As workerd's Cache API: the body keeps its length, the Content-Length header is not kept.
    const headers = new Headers(res.headers);
    headers.delete('content-length');
    this.entries.set(key, { body: new Uint8Array(await res.arrayBuffer()), headers });
  }
}

async function setup(opts: { tokenCacheSeconds?: number; metadataCacheSeconds?: number } = {}) {
  const store = createMemoryBlobStore();
  const deps: AppDeps = {
    store,
    platform: nodePlatform,
    events: { send: async () => undefined },
    clock: () => new Date(),
    logger: { info: () => undefined, warn: () => undefined, error: () => undefined },
    config: { maxUploadBytes: 1 << 20, retentionSeconds: 60, operatorTokenHash: null, publicUrl: null },
  };
  const tenancy = {
    getRepo: async (_s: unknown, tenant: string, repo: string) =>
      tenant === 'acme' && (repo === 'main' || repo === 'pub') ? { public: repo === 'pub', allowUnsigned: false } : null,
  } as unknown as RepoTenancy;
  const cache = new FakeCache();
  const edge = createEdge(deps, {
    tokenCacheSeconds: opts.tokenCacheSeconds ?? 60,
    metadataCacheSeconds: opts.metadataCacheSeconds ?? 5,
    cache,
    tenancy,
  });
  const { id, token } = await createToken(store, { tenant: 'acme', scopes: ['read'], repos: null, expiresAt: null }, new Date());
  const other = (await createToken(store, { tenant: 'other', scopes: ['read'], repos: null, expiresAt: null }, new Date())).token;
  const json = (v: unknown): Uint8Array => enc(JSON.stringify(v));
  async function generation(repo: string, revision: number, packages: [string, string][] = [[LOCATION, SHA]]): Promise<void> {
    const key = generationKey('acme', repo, revision);
    await store.put(key, json({ revision, createdAt: new Date().toISOString(), files: [FILE], repomd: `<repomd r="${revision}"/>`, asc: `SIG ${revision}` }));
    await store.put(generationPackagesKey('acme', repo, revision), json(packages));
    await store.put(currentGenerationKey('acme', repo), json({ revision, generation: key }));
  }
  for (const repo of ['main', 'pub']) {
    await generation(repo, 1);
    await store.put(repodataKey('acme', repo, FILE), enc('compressed-primary'));
  }
  await store.put(packageBlobKey('acme', SHA), enc('rpm-bytes-A'));
  const pending: Promise<unknown>[] = [];
  const get = async (path: string, headers: Record<string, string> = {}, method = 'GET'): Promise<Response | null> =>
    edge(new Request(`https://repo.test${path}`, { method, headers }), (p) => pending.push(p));
  const settle = async (): Promise<void> => {
    await Promise.all(pending.splice(0));
  };
  const basic = (t: string): Record<string, string> => ({ authorization: `Basic ${btoa(`dnf:${t}`)}` });
  return { store, cache, get, settle, generation, basic, id, token, other };
}

describe('edge read path', () => {
  it('leaves everything but repodata and package reads to the app', async () => {
    const t = await setup();
    for (const path of ['/api/v1/tenants/acme', '/healthz', '/acme/main/config.repo', '/acme/main/repodata/repomd.xml.key', '/acme/main/repodata/nothing.txt']) {
      expect(await t.get(path, t.basic(t.token)), path).toBeNull();
    }
    expect(await t.get('/acme/main/repodata/repomd.xml', t.basic(t.token), 'POST')).toBeNull();
    // A package no current generation lists: the app looks in retained generations.
    expect(await t.get('/acme/main/Packages/o/old-1-1.noarch.rpm', t.basic(t.token))).toBeNull();
  });

  it('checks access before anything: 401 without or with a bad credential, 404 across tenants and for unknown repos', async () => {
    const t = await setup();
    const anon = await t.get('/acme/main/repodata/repomd.xml');
    expect(anon!.status).toBe(401);
    expect(anon!.headers.get('www-authenticate')).toMatch(/^Basic/);
    expect((await t.get(`/acme/main/repodata/${FILE}`, t.basic('berth_aaaaaaaaaaaa_nope')))!.status).toBe(401);
    expect((await t.get(`/acme/main/repodata/${FILE}`, t.basic(t.other)))!.status).toBe(404);
    expect((await t.get('/acme/nope/repodata/repomd.xml', t.basic(t.token)))!.status).toBe(404);
    expect(t.cache.entries.size).toBe(0);
    // A public repo reads anonymously, and says so in Cache-Control.
    const pub = await t.get(`/acme/pub/repodata/${FILE}`);
    expect(pub!.status).toBe(200);
    expect(pub!.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
  });

  it('serves repomd.xml and its signature from one generation for the metadata window', async () => {
    const t = await setup({ metadataCacheSeconds: 1 });
    const xml = await t.get('/acme/main/repodata/repomd.xml', t.basic(t.token));
    expect(xml!.headers.get('cache-control')).toBe('private, no-cache');
    expect(await xml!.text()).toBe('<repomd r="1"/>');
    await t.generation('main', 2);
    // Published meanwhile: the signature still matches the repomd.xml this client has.
    expect(await (await t.get('/acme/main/repodata/repomd.xml.asc', t.basic(t.token)))!.text()).toBe('SIG 1');
    await sleep(1100);
    expect(await (await t.get('/acme/main/repodata/repomd.xml', t.basic(t.token)))!.text()).toBe('<repomd r="2"/>');
    expect(await (await t.get('/acme/main/repodata/repomd.xml.asc', t.basic(t.token)))!.text()).toBe('SIG 2');
  });

  it('caches immutable files after a miss, answers hits as private, and bypasses the cache for ranges', async () => {
    const t = await setup();
    const path = `/acme/main/repodata/${FILE}`;
    const miss = await t.get(path, t.basic(t.token));
    expect(miss!.headers.get('x-berth-edge-cache')).toBe('MISS');
    expect(await miss!.text()).toBe('compressed-primary');
    await t.settle();
    const [stored] = [...t.cache.entries.values()];
    expect(stored!.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    // The cache now answers even if the store lost the file: proof the hit comes from the cache.
    await t.store.delete(repodataKey('acme', 'main', FILE));
    const hit = await t.get(path, t.basic(t.token));
    expect(hit!.headers.get('x-berth-edge-cache')).toBe('HIT');
    expect(hit!.headers.get('cache-control')).toBe('private, max-age=31536000, immutable');
    expect(await hit!.text()).toBe('compressed-primary');
    const head = await t.get(path, t.basic(t.token), 'HEAD');
    expect(head!.status).toBe(200);
    // A hit's HEAD declares the file's size although the cache entry has no Content-Length.
    expect(head!.headers.get('content-length')).toBe(String('compressed-primary'.length));
    expect(head!.headers.get('x-berth-size')).toBeNull();
    expect(hit!.headers.get('x-berth-size')).toBeNull();
    expect(await head!.text()).toBe('');

    const ranged = await t.get(`/acme/main/${LOCATION}`, { ...t.basic(t.token), range: 'bytes=4-6' });
    expect(ranged!.status).toBe(206);
    expect(ranged!.headers.get('x-berth-edge-cache')).toBe('BYPASS');
    expect(await ranged!.text()).toBe('byt');
  });

  it('keys packages by sha256, so a re-published package under the same name is never served stale', async () => {
    const t = await setup({ metadataCacheSeconds: 1 });
    const path = `/acme/main/${LOCATION}`;
    expect(await (await t.get(path, t.basic(t.token)))!.text()).toBe('rpm-bytes-A');
    await t.settle();
    expect((await t.get(path, t.basic(t.token)))!.headers.get('x-berth-edge-cache')).toBe('HIT');
    const other = 'ef'.repeat(32);
    await t.store.put(packageBlobKey('acme', other), enc('rpm-bytes-B'));
    await t.generation('main', 2, [[LOCATION, other]]);
    await sleep(1100);
    const fresh = await t.get(path, t.basic(t.token));
    expect(fresh!.headers.get('x-berth-edge-cache')).toBe('MISS');
    expect(await fresh!.text()).toBe('rpm-bytes-B');
  });

  it('honours revocation at the origin within the credential window, cache hits included', async () => {
    const t = await setup({ tokenCacheSeconds: 1 });
    const path = `/acme/main/repodata/${FILE}`;
    expect((await t.get(path, t.basic(t.token)))!.status).toBe(200);
    await t.settle();
    await revokeToken(t.store, t.id);
    // Within the window the verdict is reused (that is the point of the cache)…
    expect((await t.get(path, t.basic(t.token)))!.status).toBe(200);
    await sleep(1100);
    // …and after it the token is refused, for cached files too.
    expect((await t.get(path, t.basic(t.token)))!.status).toBe(401);
    expect((await t.get('/acme/main/repodata/repomd.xml', t.basic(t.token)))!.status).toBe(401);
  });
});

describe('keepContentLength (the Worker\'s final response)', () => {
  // workerd's FixedLengthStream, reduced to what the Worker relies on: it passes the bytes on and
  // errors when they do not add up to the declared length.
  const made: number[] = [];
  class FakeFixedLengthStream extends TransformStream<Uint8Array, Uint8Array> {
    constructor(expected: number) {
      let seen = 0;
      super({
        transform(chunk, c) {
          seen += chunk.length;
          if (seen > expected) c.error(new TypeError('too many bytes'));
          else c.enqueue(chunk);
        },
        flush(c) {
          if (seen !== expected) c.error(new TypeError('FixedLengthStream did not see all expected bytes'));
        },
      });
      made.push(expected);
    }
  }
  const withFixed = async <T>(fn: () => Promise<T>): Promise<T> => {
    const g = globalThis as { FixedLengthStream?: unknown };
    g.FixedLengthStream = FakeFixedLengthStream;
    made.length = 0;
    try {
      return await fn();
    } finally {
      delete g.FixedLengthStream;
    }
  };
  const body = (...parts: string[]): ReadableStream<Uint8Array> =>
    new ReadableStream({ start(c) { for (const p of parts) c.enqueue(enc(p)); c.close(); } });

  it('pipes a body of declared length through a FixedLengthStream of that length, keeping status and headers', async () => {
    const { keepContentLength } = await import('../../src/adapters/cloudflare/worker.js');
    await withFixed(async () => {
      const res = new Response(body('0123', '456'), { status: 206, headers: { 'content-length': '7', 'content-range': 'bytes 0-6/99', etag: '"e"' } });
      const out = keepContentLength(res);
      expect(made).toEqual([7]);
      expect(out).not.toBe(res);
      expect(out.status).toBe(206);
      expect(Object.fromEntries(out.headers)).toEqual({ 'content-length': '7', 'content-range': 'bytes 0-6/99', etag: '"e"' });
      expect(await out.text()).toBe('0123456');
    });
  });

  it('a body shorter than declared fails the response rather than ending it early', async () => {
    const { keepContentLength } = await import('../../src/adapters/cloudflare/worker.js');
    await withFixed(async () => {
      const out = keepContentLength(new Response(body('abc'), { headers: { 'content-length': '5' } }));
      await expect(out.text()).rejects.toThrow(/expected bytes/);
    });
  });

  it('leaves bodiless answers (HEAD, 304) and bodies without a declared length as they are', async () => {
    const { keepContentLength } = await import('../../src/adapters/cloudflare/worker.js');
    await withFixed(async () => {
      const head = new Response(null, { headers: { 'content-length': '8224' } });
      expect(keepContentLength(head)).toBe(head);
      const notModified = new Response(null, { status: 304, headers: { etag: '"e"' } });
      expect(keepContentLength(notModified)).toBe(notModified);
      const generated = new Response('{"code":"not_found"}', { status: 404 });
      expect(keepContentLength(generated)).toBe(generated);
      expect(made).toEqual([]);
    });
  });
});
