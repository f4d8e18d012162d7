/** Conformance: list() ordering, prefixes and pagination. */
import { describe, expect, it } from 'vitest';
import type { BlobStore, ListItem } from '../../src/storage/blob-store.js';
import type { StoreRef } from './blob-store.suite.js';
import { bytes } from './stream-probe.js';

// Chosen so that directory-walk order differs from key order ('-' and '.' sort before '/').
const KEYS = ['p/a', 'p/a-b', 'p/a.b', 'p/a/b', 'p/a/b/c', 'p/a0', 'p/ab', 'p/b/x/y/z', 'p/c', 'q/a', 'pz'];

async function pages(store: BlobStore, prefix: string, limit: number): Promise<{ keys: string[]; count: number }> {
  const keys: string[] = [];
  let cursor: string | undefined;
  let count = 0;
  do {
    const page = await store.list(prefix, cursor === undefined ? { limit } : { limit, cursor });
    expect(page.items.length).toBeLessThanOrEqual(limit);
    keys.push(...page.items.map((i: ListItem) => i.key));
    cursor = page.cursor;
    if (++count > 100) throw new Error('pagination does not terminate');
  } while (cursor !== undefined);
  return { keys, count };
}

export function describeListing(ref: StoreRef): void {
  describe('list', () => {
    it('lists by prefix in key order with times (and sizes and ETags where the backend has them), across pages', async () => {
      const s = ref.store;
      const etags = new Map<string, string>();
      for (const [i, key] of KEYS.entries()) etags.set(key, (await s.put(key, bytes('x'.repeat(i + 1)))).etag);
      const sorted = [...KEYS].sort();

      const all = await s.list('');
      expect(all.items.map((i) => i.key)).toEqual(sorted);
      expect(all.cursor).toBeUndefined();
      for (const item of all.items) {
        // optional (the fs store lists without reading its files), but never wrong
        if (item.size !== undefined) expect(item.size).toBe(KEYS.indexOf(item.key) + 1);
        if (item.etag !== undefined) expect(item.etag).toBe(etags.get(item.key));
        expect(item.lastModified).toBeInstanceOf(Date);
      }

      expect((await pages(s, '', 3)).keys).toEqual(sorted);
      expect((await pages(s, '', 1)).keys).toEqual(sorted);
      expect((await pages(s, 'p/', 2)).keys).toEqual(sorted.filter((k) => k.startsWith('p/')));
      expect((await pages(s, 'p/a', 4)).keys).toEqual(['p/a', 'p/a-b', 'p/a.b', 'p/a/b', 'p/a/b/c', 'p/a0', 'p/ab']);
      expect((await pages(s, 'p/a/', 4)).keys).toEqual(['p/a/b', 'p/a/b/c']);
      expect((await pages(s, 'p', 100)).keys).toEqual(sorted.filter((k) => k.startsWith('p')));
      expect((await pages(s, 'p/b/x', 100)).keys).toEqual(['p/b/x/y/z']);
      const none = await s.list('nothing/here/');
      expect(none).toEqual({ items: [] });

      const exact = await s.list('', { limit: KEYS.length });
      expect(exact.items).toHaveLength(KEYS.length);
      if (exact.cursor !== undefined) expect((await s.list('', { limit: 5, cursor: exact.cursor })).items).toEqual([]);

      for (const key of KEYS) await s.delete(key);
      expect((await s.list('')).items).toEqual([]);
    });

    it('rejects out-of-range limits', async () => {
      for (const limit of [0, -1, 1001, 1.5]) {
        await expect(ref.store.list('', { limit })).rejects.toMatchObject({ code: 'invalid_storage_argument' });
      }
    });
  });
}
