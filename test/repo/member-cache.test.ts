// The member cache (regenerate `memberCache`, chunk-source.ts): on a store where each read is a
// round trip, a regeneration after one publish reads only the chunks that changed (looks them up,
// finds them absent, builds them) — unchanged
// chunks come from the compressed members kept in memory, their XML decompressed for the
// open-checksum — and the files are the same as an uncached build's.
import { createHash } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { nodePlatform } from '../../src/adapters/node/platform.js';
import { writeXmlFile, type XmlKind } from '../../src/core/repodata/xml-file.js';
import { currentGeneration } from '../../src/repo/generations.js';
import { initIndex, readIndex } from '../../src/repo/index-store.js';
import { ObjectCache } from '../../src/repo/object-cache.js';
import { readFragmentFile } from '../../src/repo/package-fragments.js';
import { compareEntries, regenerate, type RegenerateResult } from '../../src/repo/regenerate.js';
import { storeTenancy } from '../../src/repo/tenancy-bindings.js';
import type { BlobStore } from '../../src/storage/blob-store.js';
import { repodataKey, repoChunksPrefix } from '../../src/storage/keys.js';
import { makeWorld, publish, readBlob, syntheticRpm, type World } from './support.js';

const KINDS: XmlKind[] = ['primary', 'filelists', 'other'];
const sha = (s: string): string => createHash('sha256').update(s).digest('hex');

/** `store`, counting reads (get, getBytes) of chunk-cache entries. */
function counting(store: BlobStore): { store: BlobStore; reads: { n: number } } {
  const reads = { n: 0 };
  const prefix = repoChunksPrefix('acme', 'open');
  const wrapped = new Proxy(store, {
    get(target, prop, receiver) {
      const v = Reflect.get(target, prop, receiver) as unknown;
      if (typeof v !== 'function') return v;
      if (prop !== 'get' && prop !== 'getBytes') return (v as (...a: unknown[]) => unknown).bind(target);
      return (key: string, ...rest: unknown[]) => {
        if (key.startsWith(prefix)) reads.n++;
        return (v as (...a: unknown[]) => unknown).call(target, key, ...rest);
      };
    },
  });
  return { store: wrapped, reads };
}

/** Each served file decompressed, checked against an uncached build from the fragments, and its open-checksum. */
async function expectServedEqualsUncached(w: World): Promise<void> {
  const gen = (await currentGeneration(w.store, 'acme', 'open'))!.record;
  const { index } = await readIndex(w.store, 'acme', 'open');
  const entries = [...index.packages].sort(compareEntries);
  for (const [i, kind] of KINDS.entries()) {
    const served = gunzipSync((await readBlob(w.store, repodataKey('acme', 'open', gen.files[i]!)))!).toString('utf8');
    const frags: string[] = [];
    for (const e of entries) frags.push((await readFragmentFile(w.store, 'acme', 'open', e.sha256))![kind]);
    const file = writeXmlFile(kind, entries.length, frags, nodePlatform, { codec: 'gz' });
    const parts: Uint8Array[] = [];
    for await (const b of file.bytes) parts.push(b);
    expect(served).toBe(gunzipSync(Buffer.concat(parts)).toString('utf8'));
    const open = new RegExp(`<data type="${kind}">[\\s\\S]*?<open-checksum type="sha256">([0-9a-f]{64})<`).exec(gen.repomd)![1];
    expect(open).toBe(sha(served));
  }
}

/** The Node platform without its one-shot decompression: kept members go through `decompress`. */
const { decompressBytes: _oneShot, ...streamOnly } = nodePlatform;

describe('regeneration with a member cache', () => {
  it.each([['decompressBytes', nodePlatform], ['the decompress stream', streamOnly]])('after one publish reads only the changed chunks from the store; the files equal an uncached build (XML by %s)', async (_how, platform) => {
    const w = await makeWorld([{ name: 'open', allowUnsigned: true }]);
    w.deps = { ...w.deps, platform, events: { send: async () => undefined } };
    await initIndex(w.store, 'acme', 'open', { divisor: 4 });
    for (let i = 0; i < 60; i++) await publish(w, 'open', syntheticRpm(`pkg${String(i).padStart(2, '0')}`));
    const regen = async (cache: ObjectCache): Promise<{ r: RegenerateResult; reads: number }> => {
      const c = counting(w.store);
      const r = await regenerate({ ...w.deps, store: c.store }, storeTenancy, 'acme', 'open', { memberCache: cache });
      expect(r.outcome).toBe('built');
      return { r, reads: c.reads.n };
    };

    const cache = new ObjectCache(64 * 1024 * 1024);
    const cold = await regen(cache);
    const chunks = cold.r.chunks!.chunks;
    expect(chunks).toBeGreaterThan(5);
    expect(cold.r.chunks!.built).toBe(chunks);

    await publish(w, 'open', syntheticRpm('pkg30a'));
    const warm = await regen(cache);
    const s = warm.r.chunks!;
    expect(s.built).toBeGreaterThanOrEqual(1);
    expect(s.built).toBeLessThanOrEqual(2);
    expect(s.reused).toBe(3 * (s.chunks - s.built));
    expect(s.memory).toBeGreaterThanOrEqual(s.reused);
    // only the changed chunks' entries are looked up in the store (absent: then built)
    expect(warm.reads).toBeLessThanOrEqual(3 * s.built);
    await expectServedEqualsUncached(w);

    // a new process (an empty cache) reads every entry once, and keeps them
    await publish(w, 'open', syntheticRpm('pkg45a'));
    const fresh = new ObjectCache(64 * 1024 * 1024);
    const restarted = await regen(fresh);
    expect(restarted.reads).toBeGreaterThanOrEqual(3 * (restarted.r.chunks!.chunks - restarted.r.chunks!.built));
    await publish(w, 'open', syntheticRpm('pkg12a'));
    const again = await regen(fresh);
    expect(again.reads).toBeLessThanOrEqual(3 * again.r.chunks!.built);
    await expectServedEqualsUncached(w);
  }, 60_000);

  it('a cache too small for every member still builds correct files, reading what it lacks', async () => {
    const w = await makeWorld([{ name: 'open', allowUnsigned: true }]);
    w.deps = { ...w.deps, events: { send: async () => undefined } };
    await initIndex(w.store, 'acme', 'open', { divisor: 4 });
    for (let i = 0; i < 40; i++) await publish(w, 'open', syntheticRpm(`pkg${String(i).padStart(2, '0')}`));
    const tiny = new ObjectCache(2048);
    await regenerate(w.deps, storeTenancy, 'acme', 'open', { memberCache: tiny });
    await publish(w, 'open', syntheticRpm('pkg20a'));
    const c = counting(w.store);
    const r = await regenerate({ ...w.deps, store: c.store }, storeTenancy, 'acme', 'open', { memberCache: tiny });
    expect(r.outcome).toBe('built');
    expect(c.reads.n).toBeGreaterThan(0);
    expect(tiny.bytesUsed).toBeLessThanOrEqual(2048);
    await expectServedEqualsUncached(w);
  }, 60_000);
});
