/**
 * Windows of the index for the browse pages (src/repo/index-browse.ts), on an index cut into
 * small segments: pages forward and backward join up without gaps or repeats, ranges skip what
 * lies between them, and the segment budget stops a scan where it says to resume.
 */
import { createHash } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { browseIndex, firstCharacters } from '../../src/repo/index-browse.js';
import { compareKeys, packagePlacement, type IndexEntry } from '../../src/repo/index-entry.js';
import { initIndex, updateIndex } from '../../src/repo/index-store.js';
import type { BlobStore } from '../../src/storage/blob-store.js';
import { createMemoryBlobStore } from '../../src/storage/memory-store.js';

const NAMES = [
  ...Array.from({ length: 40 }, (_, i) => `alpha${String(i).padStart(2, '0')}`),
  ...Array.from({ length: 30 }, (_, i) => `Beta${String(i).padStart(2, '0')}`),
  ...Array.from({ length: 50 }, (_, i) => `beta${String(i).padStart(2, '0')}`),
  ...Array.from({ length: 60 }, (_, i) => `gamma${String(i).padStart(2, '0')}`),
];

function entry(name: string): IndexEntry {
  const pkg = { name, version: '1', release: '1', arch: 'noarch' };
  return { sha256: createHash('sha256').update(name).digest('hex'), ...pkg, epoch: 0, ...packagePlacement(pkg), size: 1, addedAt: 1, signer: null };
}

let store: BlobStore;
const sorted = NAMES.map(entry).sort(compareKeys);
const names = (es: readonly IndexEntry[]): string[] => es.map((e) => e.name);

beforeAll(async () => {
  store = createMemoryBlobStore();
  await initIndex(store, 't', 'r', { max: 8, divisor: 1_000_000 });
  await updateIndex(store, 't', 'r', () => new Date(), () => ({ next: { revision: 0, updatedAt: 0, packages: NAMES.map(entry) }, result: null }));
});

describe('browseIndex', () => {
  it('pages forward and backward through the whole index without gaps or repeats', async () => {
    const forward: string[] = [];
    let page = await browseIndex(store, 't', 'r', { limit: 7, maxSegments: 100 });
    forward.push(...names(page.entries));
    while (page.more) {
      page = await browseIndex(store, 't', 'r', { limit: 7, after: page.entries.at(-1)!, maxSegments: 100 });
      forward.push(...names(page.entries));
    }
    expect(forward).toEqual(names(sorted));
    const backward: string[] = [];
    page = await browseIndex(store, 't', 'r', { limit: 7, before: sorted.at(-1)!, maxSegments: 100 });
    backward.unshift(...names(page.entries));
    while (page.earlier) {
      page = await browseIndex(store, 't', 'r', { limit: 7, before: page.entries[0]!, maxSegments: 100 });
      backward.unshift(...names(page.entries));
    }
    expect(backward).toEqual(names(sorted).slice(0, -1));
  });

  it('reads only the segments of its ranges, not the gap between them', async () => {
    const counted = Object.create(store) as BlobStore;
    let reads = 0;
    counted.get = (key, opts) => {
      if (key.includes('/index/segments/')) reads++;
      return store.get(key, opts);
    };
    // Beta* and beta* are two runs with alpha… nothing between them here, but gamma lies after: a
    // "B" and "g" range must not read the beta/other segments in between.
    const page = await browseIndex(counted, 't', 'r', { ranges: [{ from: 'B', to: 'C' }, { from: 'g', to: 'h' }], limit: 200, maxSegments: 100 });
    expect(names(page.entries)).toEqual([...NAMES.filter((n) => n.startsWith('Beta')), ...NAMES.filter((n) => n.startsWith('gamma'))]);
    // 30 + 60 entries in segments of 8: 4-5 + 8-9 segments; the 50 beta ones (7 segments) are skipped
    expect(reads).toBeLessThanOrEqual(15);
    expect(page.more).toBe(false);
  });

  it('stops at its segment budget and says where to resume', async () => {
    const page = await browseIndex(store, 't', 'r', { ranges: [{ from: 'gamma', to: 'gamma\uffff' }], keep: (e) => e.name.endsWith('59'), limit: 5, maxSegments: 2 });
    expect(page.entries).toEqual([]);
    expect(page.resumeAt).toBeDefined();
    let resumed = page;
    for (let i = 0; i < 20 && resumed.entries.length === 0; i++) {
      resumed = await browseIndex(store, 't', 'r', { ranges: [{ from: 'gamma', to: 'gamma\uffff' }], keep: (e) => e.name.endsWith('59'), limit: 5, maxSegments: 2, after: resumed.resumeAt! });
    }
    expect(names(resumed.entries)).toEqual(['gamma59']);
  });

  it('finds the first characters present, one seek each', async () => {
    expect(await firstCharacters(store, 't', 'r')).toEqual(['B', 'a', 'b', 'g']);
  });
});
