// Usage changes made at the same moment in one process share one compare-and-swap of usage.json
// (group-queue.ts) instead of racing each other: counted by the writes, and the sum stays exact.
import { describe, expect, it } from 'vitest';
import { addUsage, readUsage } from '../../src/repo/usage.js';
import type { BlobStore } from '../../src/storage/blob-store.js';
import { usageKey } from '../../src/storage/keys.js';
import { createMemoryBlobStore } from '../../src/storage/memory-store.js';

function countingPuts(store: BlobStore): { store: BlobStore; puts: () => number } {
  let n = 0;
  const w: BlobStore = {
    get: (k, o) => store.get(k, o),
    head: (k) => store.head(k),
    put: (k, b, o) => {
      if (k === usageKey('acme')) n++;
      return store.put(k, b, o);
    },
    delete: (k, o) => store.delete(k, o),
    list: (p, o) => store.list(p, o),
  };
  return { store: w, puts: () => n };
}

describe('tenant usage', () => {
  it('adds 40 concurrent changes with a few writes, not one (or more) each, and loses none', async () => {
    const { store, puts } = countingPuts(createMemoryBlobStore());
    await readUsage(store, 'acme'); // the record exists (counted: empty)
    const before = puts();
    await Promise.all(Array.from({ length: 40 }, (_, i) => addUsage(store, 'acme', 100 + i)));
    expect(await readUsage(store, 'acme')).toEqual({ bytes: 40 * 100 + (39 * 40) / 2, packages: 40 });
    expect(puts() - before).toBeLessThanOrEqual(3);
  });

  it('applies a batch in order: a release never takes the count below zero on the way', async () => {
    const store = createMemoryBlobStore();
    await readUsage(store, 'acme');
    await addUsage(store, 'acme', 10);
    await Promise.all([addUsage(store, 'acme', -20), addUsage(store, 'acme', 5)]);
    expect(await readUsage(store, 'acme')).toEqual({ bytes: 5, packages: 1 });
  });
});
