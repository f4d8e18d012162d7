// A cold build cut off part-way (a Worker past its CPU limit, a Functions invocation past
// functionTimeout) is not lost: every chunk it finished is stored, and the next regeneration — the
// queue's retry — reuses them and builds only the rest (docs/cloudflare.md, docs/azure.md).
import { describe, expect, it } from 'vitest';
import { initIndex } from '../../src/repo/index-store.js';
import { regenerate } from '../../src/repo/regenerate.js';
import { storeTenancy } from '../../src/repo/tenancy-bindings.js';
import { listAll, type BlobStore } from '../../src/storage/blob-store.js';
import { repoChunksPrefix } from '../../src/storage/keys.js';
import { makeWorld, publish, servedPrimary, syntheticRpm } from './support.js';

/** `store`, except that chunk-cache writes fail once `allowed` of them have been stored. */
function cutOffAfter(store: BlobStore, allowed: number): BlobStore {
  let stored = 0;
  const prefix = repoChunksPrefix('acme', 'open');
  return new Proxy(store, {
    get(target, prop, receiver) {
      const v = Reflect.get(target, prop, receiver) as unknown;
      if (prop !== 'put') return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
      return async (key: string, ...rest: unknown[]) => {
        if (key.startsWith(prefix) && stored >= allowed) throw new Error('invocation cut off');
        const r = await (v as (...a: unknown[]) => Promise<unknown>).call(target, key, ...rest);
        if (key.startsWith(prefix)) stored++;
        return r;
      };
    },
  });
}

describe('a cold build cut off part-way', () => {
  it('is continued by the next regeneration, which builds only the chunks not yet stored', async () => {
    const w = await makeWorld([{ name: 'open', allowUnsigned: true }]);
    w.deps = { ...w.deps, events: { send: async () => undefined } };
    await initIndex(w.store, 'acme', 'open', { divisor: 4 });
    for (let i = 0; i < 48; i++) await publish(w, 'open', syntheticRpm(`pkg${String(i).padStart(2, '0')}`));

    // first invocation: cut off after three chunks' entries (all three files of each) are stored
    const first = regenerate({ ...w.deps, store: cutOffAfter(w.store, 9) }, storeTenancy, 'acme', 'open', { builds: 1 });
    await expect(first).rejects.toThrow('invocation cut off');
    const kept: string[] = [];
    for await (const item of listAll(w.store, repoChunksPrefix('acme', 'open'))) kept.push(item.key);
    expect(kept).toHaveLength(9);

    // the retry: the stored chunks are read, not rebuilt
    const second = await regenerate(w.deps, storeTenancy, 'acme', 'open');
    expect(second.outcome).toBe('built');
    const s = second.chunks!;
    expect(s.chunks).toBeGreaterThan(6);
    expect(s.built).toBe(s.chunks - 3);
    // every entry of the three stored chunks came from the cache (a file may also read back an
    // entry another file's build of this run stored)
    expect(s.reused).toBeGreaterThanOrEqual(9);
    const primary = await servedPrimary(w.store, 'acme', 'open');
    expect(primary.declared).toBe(48);
    expect(primary.packages).toHaveLength(48);
  }, 60_000);
});
