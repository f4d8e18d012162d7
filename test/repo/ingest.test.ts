// The one ingest pipeline (src/repo/ingest.ts) that publish and mirror share: staging stops reading
// at its limit (counted by the source) and leaves nothing behind; a package is judged the same
// way whichever door it comes through — a name no repository path can hold is refused by publish
// and by a filtered mirror alike, and neither stores anything for it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nodePlatform } from '../../src/adapters/node/platform.js';
import { runMirror } from '../../src/mirror/run.js';
import { isRefusal } from '../../src/repo/errors.js';
import { stage } from '../../src/repo/ingest.js';
import { listAll } from '../../src/storage/blob-store.js';
import { createMemoryBlobStore } from '../../src/storage/memory-store.js';
import { packageBlobKey } from '../../src/storage/keys.js';
import { startHostile, type Hostile } from '../net/hostile-upstream.js';
import { configure, mirrorWorld, primaryXml, serveRepo, sha256 } from '../mirror/worlds.js';
import { createTenant } from '../../src/repo/tenants.js';
import { makeWorld, publish, streamOf, syntheticRpm } from './support.js';

async function keys(store: ReturnType<typeof createMemoryBlobStore>, prefix: string): Promise<string[]> {
  const out: string[] = [];
  for await (const item of listAll(store, prefix)) out.push(item.key);
  return out;
}

describe('staging', () => {
  it('stops reading at the limit and leaves no staged blob', async () => {
    const store = createMemoryBlobStore();
    let pulled = 0;
    const endless = new ReadableStream<Uint8Array>({
      pull(c) {
        pulled += 64 * 1024;
        c.enqueue(new Uint8Array(64 * 1024));
      },
    }, { highWaterMark: 0 });
    const over = new Error('over the limit');
    await expect(stage({ store, platform: nodePlatform }, endless, { limit: 1024 * 1024, overLimit: () => over })).rejects.toBe(over);
    expect(pulled).toBeLessThanOrEqual(1024 * 1024 + 2 * 64 * 1024);
    expect(await keys(store, 'uploads/')).toEqual([]);
  });

  it('hashes what it stages, with every digest asked for', async () => {
    const store = createMemoryBlobStore();
    const bytes = syntheticRpm('hashed');
    const s = await stage({ store, platform: nodePlatform }, new Blob([bytes]).stream(), { limit: 1 << 20, overLimit: () => new Error('x'), digests: ['sha1'] });
    expect(s).toMatchObject({ size: bytes.length, sha256: sha256(bytes) });
    expect(s.digests.sha1).toMatch(/^[0-9a-f]{40}$/);
    expect(await keys(store, 'uploads/')).toEqual([s.key]);
  });
});

describe('one pass over an upload', () => {
  it('reads the package while staging it: a publish never reads its upload back', async () => {
    const inner = createMemoryBlobStore();
    const reads: string[] = [];
    const store = new Proxy(inner, {
      get(target, prop, recv) {
        const v = Reflect.get(target, prop, recv) as unknown;
        if ((prop === 'get' || prop === 'getBytes') && typeof v === 'function') {
          return (key: string, ...rest: unknown[]) => {
            reads.push(key);
            return (v as (...a: unknown[]) => unknown).call(target, key, ...rest);
          };
        }
        return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
      },
    });
    await createTenant(store, 'acme', new Date());
    const w = await makeWorld([{ name: 'open', allowUnsigned: true }], { store });
    const r = await publish(w, 'open', syntheticRpm('one-pass'));
    expect(r.status).toBe(201);
    expect(reads.filter((k) => k.startsWith('uploads/'))).toEqual([]);
    await w.sink.idle();
  });

  it('a staged non-RPM is refused as before (not_an_rpm), with nothing left', async () => {
    const store = createMemoryBlobStore();
    await createTenant(store, 'acme', new Date());
    const w = await makeWorld([{ name: 'open', allowUnsigned: true }], { store });
    const err = await publish(w, 'open', new Uint8Array(200_000).fill(7)).catch((e: unknown) => e);
    expect(isRefusal(err) && err.code).toBe('not_an_rpm');
    expect(await keys(store, 'uploads/')).toEqual([]);
    expect(await keys(store, 't/acme/blobs/')).toEqual([]);
  });

  it('stops reading at the limit while reading the package too', async () => {
    const store = createMemoryBlobStore();
    const bytes = syntheticRpm('over');
    const over = new Error('over the limit');
    await expect(stage({ store, platform: nodePlatform }, streamOf(bytes, 100), { limit: bytes.length - 1, overLimit: () => over, read: true })).rejects.toBe(over);
    expect(await keys(store, 'uploads/')).toEqual([]);
    const ok = await stage({ store, platform: nodePlatform }, streamOf(bytes, 100), { limit: bytes.length, overLimit: () => over, read: true });
    expect(ok.read?.ok && ok.read.result.computed.fileSha256).toBe(sha256(bytes));
  });
});

describe('one pipeline for publish and mirror', () => {
  let up: Hostile;
  beforeAll(async () => {
    up = await startHostile('127.0.0.1');
  });
  afterAll(async () => {
    await up?.close();
  });

  it('a package name no repository path can hold is refused through either door, and nothing is stored', async () => {
    const w = await mirrorWorld([{ tenant: 'acme', repo: 'pub' }, { tenant: 'acme', repo: 'mir' }], ['127.0.0.1']);
    const bytes = syntheticRpm('.hidden');
    const refused = await publish(w, 'pub', bytes).catch((e: unknown) => e);
    expect(isRefusal(refused) && refused.code).toBe('invalid_package_name');

    const pkgs = [{ name: '.hidden', bytes, href: 'hidden-1.0-1.noarch.rpm' }];
    serveRepo(up, '/dot', [{ type: 'primary', href: 'repodata/primary.xml', bytes: primaryXml(pkgs) }], pkgs);
    await configure(w, 'acme', 'mir', { from: `${up.url}/dot/`, include: ['*'] });
    const s = await runMirror(w.deps, 'acme', 'mir');
    expect(s).toMatchObject({ ok: false, error: { code: 'invalid_package_name' } });
    expect(await w.store.head(packageBlobKey('acme', sha256(bytes)))).toBeNull();
    expect(await keys(w.store as ReturnType<typeof createMemoryBlobStore>, 't/acme/r/mir/fragments/')).toEqual([]);
  });
});
