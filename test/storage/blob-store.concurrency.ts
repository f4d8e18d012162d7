/** Conformance: races. Conditional writes must be linearizable per key. */
import { describe, expect, it } from 'vitest';
import type { BlobStore } from '../../src/storage/blob-store.js';
import { isStorageError } from '../../src/storage/errors.js';
import type { StoreRef } from './blob-store.suite.js';
import { bytes, text } from './stream-probe.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Read-modify-write with If-Match, retrying on conflict: the pattern src/repo uses for the index. */
export async function increment(store: BlobStore, key: string): Promise<number> {
  for (let attempt = 0; attempt < 500; attempt++) {
    const cur = await store.get(key);
    if (!cur) throw new Error('counter vanished');
    const n = Number(await text(cur.body));
    try {
      await store.put(key, bytes(String(n + 1)), { ifMatch: cur.etag });
      return attempt;
    } catch (err) {
      if (!isStorageError(err, 'precondition_failed')) throw err;
      await sleep(Math.random() * 5 * Math.min(attempt + 1, 10));
    }
  }
  throw new Error('increment: too many conflicts');
}

export function describeConcurrency(ref: StoreRef): void {
  describe('concurrency', () => {
    it('exactly one of 10 racing create-only writers wins', async () => {
      const s = ref.store;
      const results = await Promise.allSettled(
        Array.from({ length: 10 }, (_, i) => s.put('race/create', bytes(`writer-${i}`), { ifNoneMatch: '*' })),
      );
      const winners = results.flatMap((r, i) => (r.status === 'fulfilled' ? [{ i, etag: r.value.etag }] : []));
      expect(winners).toHaveLength(1);
      for (const r of results) {
        if (r.status === 'rejected') expect(r.reason).toMatchObject({ code: 'precondition_failed' });
      }
      const obj = await s.get('race/create');
      expect(obj!.etag).toBe(winners[0]!.etag);
      expect(await text(obj!.body)).toBe(`writer-${winners[0]!.i}`);
      await s.delete('race/create');
    });

    it('20 concurrent If-Match increments lose no update', async () => {
      const s = ref.store;
      await s.put('race/counter', bytes('0'), { ifNoneMatch: '*' });
      const retries = await Promise.all(Array.from({ length: 20 }, () => increment(s, 'race/counter')));
      expect(await text((await s.get('race/counter'))!.body)).toBe('20');
      // With 20 writers on one key, some must have conflicted; if none did, the race was not real.
      expect(retries.reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
      await s.delete('race/counter');
    });

    it('concurrent conditional deletes: one wins, the rest fail cleanly', async () => {
      const s = ref.store;
      const { etag } = await s.put('race/del', bytes('x'));
      const results = await Promise.allSettled(Array.from({ length: 5 }, () => s.delete('race/del', { ifMatch: etag })));
      expect(results.filter((r) => r.status === 'fulfilled' && r.value === true)).toHaveLength(1);
      for (const r of results) if (r.status === 'rejected') expect(r.reason).toMatchObject({ code: 'precondition_failed' });
    });
  });
}
