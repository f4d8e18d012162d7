// The Worker's dnf read path, in Node: the real Worker module (src/adapters/cloudflare/worker.ts)
// on an in-memory R2 bucket, with a fake Cache API that (like workerd's) drops Content-Length, and
// its queue handler regenerating. The read path is the app's own; what is checked here is what the
// Worker supplies: the access decision before any cache lookup, the repomd pair from one generation
// within the metadata window, Cache API entries keyed by content address (never stale), HEAD hits
// that declare their size, range bypass, the credential window; and the Worker's Content-Length
// keeping with a fake FixedLengthStream. (worker-e2e.test.ts runs them in workerd.)
import { afterEach, describe, expect, it } from 'vitest';
import type { EdgeCache } from '../../src/adapters/cloudflare/edge-files.js';
import worker, { type WorkerEnv } from '../../src/adapters/cloudflare/worker.js';
import { memoryBucket } from '../storage/r2-memory-bucket.js';
import { syntheticRpm } from '../repo/support.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
const OPERATOR = 'operator-secret-of-the-worker-test';

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

const globals = globalThis as unknown as { caches?: { default: EdgeCache } };
afterEach(() => {
  delete globals.caches;
});

async function setup(vars: Record<string, string> = {}) {
  const cache = new FakeCache();
  globals.caches = { default: cache };
  const bucket = memoryBucket();
  const events: unknown[] = [];
  const env: WorkerEnv = {
    BUCKET: bucket.bucket, EVENTS: { send: async (m: unknown) => void events.push(m) },
    BERTH_ADMIN_TOKEN: OPERATOR, BERTH_TOKEN_CACHE_SECONDS: '60', BERTH_METADATA_CACHE_SECONDS: '5', ...vars,
  };
  const pending: Promise<unknown>[] = [];
  const ctx = { waitUntil: (p: Promise<unknown>) => void pending.push(p) };
  const call = (path: string, init: RequestInit = {}): Promise<Response> => worker.fetch(new Request(`https://repo.test${path}`, init), env, ctx);
  const op = { authorization: `Bearer ${OPERATOR}` };
  const api = async (path: string, body: unknown, method = 'POST'): Promise<Record<string, unknown>> => {
    const res = await call(path, { method, headers: { ...op, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    expect(res.status, `${method} ${path}: ${await res.clone().text()}`).toBeLessThan(300);
    return (await res.json()) as Record<string, unknown>;
  };
  /**
   * Publishes unsigned synthetic packages, then runs the queue consumer as the Queues service
   * would: in this isolate, or (`elsewhere`) in another one, whose caches this one never hears of.
   */
  const publish = async (repo: string, names: string[], elsewhere = false): Promise<void> => {
    for (const name of names) {
      const res = await call(`/api/v1/repos/acme/${repo}/packages`, { method: 'PUT', headers: op, body: syntheticRpm(name) });
      expect(res.status).toBe(201);
    }
    const messages = events.splice(0).map((body) => ({ body, ack: () => undefined, retry: () => { throw new Error(`regeneration of ${JSON.stringify(body)} failed`); } }));
    await worker.queue({ queue: 'berth-repo-changed', messages }, elsewhere ? { ...env } : env);
  };
  await api('/api/v1/tenants', { name: 'acme' });
  await api('/api/v1/tenants', { name: 'other' });
  await api('/api/v1/tenants/acme/repos', { name: 'main', allowUnsigned: true });
  await api('/api/v1/tenants/acme/repos', { name: 'pub', public: true, allowUnsigned: true });
  const mint = async (tenant: string) => (await api(`/api/v1/tenants/${tenant}/tokens`, { scopes: ['read'] })) as { id: string; token: string };
  const { id, token } = await mint('acme');
  const other = (await mint('other')).token;
  await publish('main', ['hello']);
  await publish('pub', ['hello']);
  const repomd = await (await call('/acme/main/repodata/repomd.xml', { headers: op })).text();
  const primary = /href="(repodata\/[0-9a-f]{64}-primary\.xml\.gz)"/.exec(repomd)![1]!;
  const list = async (repo: string) => ((await api(`/api/v1/repos/acme/${repo}/packages`, undefined, 'GET')) as { packages: { location: string; sha256: string }[] }).packages;
  const location = (await list('main'))[0]!.location;
  const settle = async (): Promise<void> => {
    await Promise.all(pending.splice(0));
  };
  const basic = (t: string): Record<string, string> => ({ authorization: `Basic ${btoa(`dnf:${t}`)}` });
  return { cache, bucket, call, publish, settle, basic, list, id, token, other, primary, location, op };
}

describe('the Worker\'s dnf read path (the app\'s, with the Worker\'s caches)', () => {
  it('decides access before any cache lookup: 401 without or with a bad credential, 404 across tenants and for unknown repos', async () => {
    const t = await setup();
    const anon = await t.call('/acme/main/repodata/repomd.xml');
    expect(anon.status).toBe(401);
    expect(anon.headers.get('www-authenticate')).toMatch(/^Basic/);
    expect((await t.call(`/acme/main/${t.primary}`, { headers: t.basic('berth_aaaaaaaaaaaa_nope') })).status).toBe(401);
    expect((await t.call(`/acme/main/${t.primary}`, { headers: t.basic(t.other) })).status).toBe(404);
    expect((await t.call(`/acme/main/${t.location}`, { headers: t.basic(t.other) })).status).toBe(404);
    expect((await t.call('/acme/nope/repodata/repomd.xml', { headers: t.basic(t.token) })).status).toBe(404);
    await t.settle();
    expect(t.cache.entries.size).toBe(0);
    // A public repo reads anonymously, and says so in Cache-Control.
    const pubRepomd = await (await t.call('/acme/pub/repodata/repomd.xml')).text();
    const pubPrimary = /href="(repodata\/[0-9a-f]{64}-primary\.xml\.gz)"/.exec(pubRepomd)![1]!;
    const pub = await t.call(`/acme/pub/${pubPrimary}`);
    expect(pub.status).toBe(200);
    expect(pub.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
  });

  it('serves repomd.xml and its signature from one generation for the metadata window', async () => {
    const t = await setup({ BERTH_METADATA_CACHE_SECONDS: '1' });
    const get = async (file: string): Promise<string> => (await t.call(`/acme/main/repodata/${file}`, { headers: t.basic(t.token) })).text();
    const xml = await t.call('/acme/main/repodata/repomd.xml', { headers: t.basic(t.token) });
    expect(xml.headers.get('cache-control')).toBe('private, no-cache');
    const first = [await xml.text(), await get('repomd.xml.asc')];
    // Regenerated by another isolate: within the window this one keeps serving the pair it has…
    await t.publish('main', ['second'], true);
    expect([await get('repomd.xml'), await get('repomd.xml.asc')]).toEqual(first);
    await sleep(1100);
    // …and after it the new pair, both halves from the new generation.
    const second = [await get('repomd.xml'), await get('repomd.xml.asc')];
    expect(second[0]).toContain('<revision>2</revision>');
    expect(second[1]).not.toBe(first[1]);
    // Regenerated in this isolate: its cache is told, the new pair is served at once.
    await t.publish('main', ['third']);
    expect(await get('repomd.xml')).toContain('<revision>3</revision>');
  });

  it('caches immutable files after a miss, answers hits as private, and bypasses the cache for ranges', async () => {
    const t = await setup();
    const path = `/acme/main/${t.primary}`;
    const headMiss = await t.call(path, { method: 'HEAD', headers: t.basic(t.token) });
    expect(headMiss.headers.get('x-berth-edge-cache')).toBe('MISS');
    await t.settle();
    expect(t.cache.entries.size).toBe(0); // HEAD never fills
    const miss = await t.call(path, { headers: t.basic(t.token) });
    expect(miss.headers.get('x-berth-edge-cache')).toBe('MISS');
    const bytes = new Uint8Array(await miss.arrayBuffer());
    await t.settle();
    const [stored] = [...t.cache.entries.values()];
    expect(stored!.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    // The cache now answers even if the store lost the file: proof the hit comes from the cache.
    for (const key of [...t.bucket.objects.keys()].filter((k) => k.endsWith(t.primary.slice('repodata/'.length)))) t.bucket.objects.delete(key);
    const hit = await t.call(path, { headers: t.basic(t.token) });
    expect(hit.headers.get('x-berth-edge-cache')).toBe('HIT');
    expect(hit.headers.get('cache-control')).toBe('private, max-age=31536000, immutable');
    expect(new Uint8Array(await hit.arrayBuffer())).toEqual(bytes);
    const head = await t.call(path, { method: 'HEAD', headers: t.basic(t.token) });
    expect(head.status).toBe(200);
    expect(head.headers.get('x-berth-edge-cache')).toBe('HIT');
    // A hit's HEAD declares the file's size although the cache entry has no Content-Length.
    expect(head.headers.get('content-length')).toBe(String(bytes.length));
    expect(head.headers.get('x-berth-size')).toBeNull();
    expect(hit.headers.get('x-berth-size')).toBeNull();
    expect(await head.text()).toBe('');

    const ranged = await t.call(`/acme/main/${t.location}`, { headers: { ...t.basic(t.token), range: 'bytes=0-3' } });
    expect(ranged.status).toBe(206);
    expect(ranged.headers.get('x-berth-edge-cache')).toBe('BYPASS');
    expect([...new Uint8Array(await ranged.arrayBuffer())]).toEqual([0xed, 0xab, 0xee, 0xdb]);
  });

  it('keys packages by content address, so a re-published package under the same name is never served stale', async () => {
    const t = await setup({ BERTH_METADATA_CACHE_SECONDS: '1' });
    const path = `/acme/main/${t.location}`;
    const a = new Uint8Array(await (await t.call(path, { headers: t.basic(t.token) })).arrayBuffer());
    await t.settle();
    expect((await t.call(path, { headers: t.basic(t.token) })).headers.get('x-berth-edge-cache')).toBe('HIT');
    // Same name-version-release-arch, other bytes: delete, then publish the other build.
    const sha = (await t.list('main'))[0]!.sha256;
    expect((await t.call(`/api/v1/repos/acme/main/packages/${sha}`, { method: 'DELETE', headers: t.op })).status).toBe(200);
    const rebuilt = syntheticRpm('hello');
    rebuilt[rebuilt.length - 1] = rebuilt[rebuilt.length - 1]! ^ 1;
    expect((await t.call('/api/v1/repos/acme/main/packages', { method: 'PUT', headers: t.op, body: rebuilt })).status).toBe(201);
    await sleep(1100);
    const fresh = await t.call(path, { headers: t.basic(t.token) });
    expect(fresh.headers.get('x-berth-edge-cache')).toBe('MISS');
    const b = new Uint8Array(await fresh.arrayBuffer());
    expect(b).toEqual(rebuilt);
    expect(b).not.toEqual(a);
  });

  it('honours revocation at the origin within the credential window, cache hits included', async () => {
    const t = await setup({ BERTH_TOKEN_CACHE_SECONDS: '1' });
    const path = `/acme/main/${t.primary}`;
    expect((await t.call(path, { headers: t.basic(t.token) })).status).toBe(200);
    await t.settle();
    // Revoked at the origin (straight in the store, as another isolate would).
    for (const key of [...t.bucket.objects.keys()].filter((k) => k.startsWith('tokens/') || k.startsWith(`token-ids/${t.id}`))) t.bucket.objects.delete(key);
    // Within the window the verdict is reused (that is the point of the cache)…
    expect((await t.call(path, { headers: t.basic(t.token) })).status).toBe(200);
    await sleep(1100);
    // …and after it the token is refused, for cached files too.
    expect((await t.call(path, { headers: t.basic(t.token) })).status).toBe(401);
    expect((await t.call('/acme/main/repodata/repomd.xml', { headers: t.basic(t.token) })).status).toBe(401);
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
