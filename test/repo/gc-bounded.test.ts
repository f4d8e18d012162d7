// GC per pass costs what changed, not what a tenant holds (docs/service.md, GC): no listing of a
// tenant's whole key space, large prefixes swept a bounded slice at a time from a cursor, and
// garbage nobody recorded (CAS losers, refused publishes) found by the sweeps.
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { collectGarbage } from '../../src/repo/gc.js';
import { SWEEP_BASE } from '../../src/repo/gc-sweep.js';
import { readHead, readIndex } from '../../src/repo/index-store.js';
import { deletePackage } from '../../src/repo/publish.js';
import { storeTenancy } from '../../src/repo/tenancy-bindings.js';
import type { BlobStore, ListOptions } from '../../src/storage/blob-store.js';
import { indexObjectKey, packageBlobKey, repoChunkKey, repoFragmentKey } from '../../src/storage/keys.js';
import { makeWorld, publish, syntheticRpm, type World } from './support.js';

const DAY = 86_400_000;

/** The store, recording every list call's prefix and how many items it returned. */
function listing(store: BlobStore): { store: BlobStore; lists: { prefix: string; items: number }[] } {
  const lists: { prefix: string; items: number }[] = [];
  return {
    lists,
    store: {
      get: (k, o) => store.get(k, o), head: (k) => store.head(k), put: (k, b, o) => store.put(k, b, o), delete: (k, o) => store.delete(k, o),
      list: async (p: string, o?: ListOptions) => {
        const page = await store.list(p, o);
        lists.push({ prefix: p, items: page.items.length });
        return page;
      },
    },
  };
}

async function world(): Promise<World> {
  return makeWorld([{ name: 'open', allowUnsigned: true }, { name: 'other', allowUnsigned: true }], { retentionSeconds: 3 * 86400 });
}

const hex = (i: number): string => i.toString(16).padStart(64, '0');

describe('GC passes are bounded', () => {
  it('lists no tenant or repo prefix whole, only the small ones and bounded slices of the large ones', async () => {
    const w = await world();
    for (let i = 0; i < 5; i++) await publish(w, 'open', syntheticRpm(`p${i}`));
    await w.sink.idle();
    // 2,500 stale chunk entries: more than one pass may look at
    for (let i = 0; i < 2500; i++) await w.store.put(repoChunkKey('acme', 'open', hex(i), 'primary'), new Uint8Array([1]));
    const seen = listing(w.store);
    const report = await collectGarbage({ ...w.deps, store: seen.store }, new Date(Date.now() + 2 * DAY));
    const prefixes = new Set(seen.lists.map((l) => l.prefix));
    for (const p of prefixes) {
      expect(['tenants/', 'uploads/', 't/acme/repos/', 'logins/'].includes(p) || /^t\/acme\/(r\/(open|other)\/(generations|repodata|snapshots|index\/(segments|lists|changes)|chunks|fragments)\/|blobs\/sha256\/)$/.test(p), p).toBe(true);
    }
    const chunkItems = seen.lists.filter((l) => l.prefix === 't/acme/r/open/chunks/').reduce((n, l) => n + l.items, 0);
    expect(chunkItems).toBeLessThanOrEqual(SWEEP_BASE + 16 * 5);
    expect(report.chunks).toBeLessThanOrEqual(SWEEP_BASE + 16 * 5);
    expect(report.chunks).toBeGreaterThan(0);
    // the next passes go on from the cursor until every stale entry is gone, the live ones stay
    for (let pass = 0; pass < 3; pass++) await collectGarbage(w.deps, new Date(Date.now() + 2 * DAY));
    for (let i = 0; i < 2500; i += 97) expect(await w.store.head(repoChunkKey('acme', 'open', hex(i), 'primary'))).toBeNull();
    await w.sink.idle();
    expect((await readIndex(w.store, 'acme', 'open')).index.packages).toHaveLength(5);
  }, 60_000);

  it('collects what a losing writer left (unreferenced segments and lists) after the grace, never what the head reaches', async () => {
    const w = await world();
    for (let i = 0; i < 3; i++) await publish(w, 'open', syntheticRpm(`q${i}`));
    await w.sink.idle();
    const lost = [indexObjectKey('acme', 'open', 'segments', hex(1)), indexObjectKey('acme', 'open', 'lists', hex(2))];
    for (const k of lost) await w.store.put(k, new TextEncoder().encode('[]'));
    expect((await collectGarbage(w.deps, new Date())).indexObjects).toBe(0); // within the grace
    const r = await collectGarbage(w.deps, new Date(Date.now() + 2 * DAY));
    expect(r.indexObjects).toBeGreaterThanOrEqual(2);
    for (const k of lost) expect(await w.store.head(k)).toBeNull();
    const { head } = await readHead(w.store, 'acme', 'open');
    expect(await w.store.head(indexObjectKey('acme', 'open', 'lists', head.list!))).not.toBeNull();
    expect((await readIndex(w.store, 'acme', 'open')).index.packages).toHaveLength(3);
  }, 60_000);

  it('a blob of a refused publish goes (sweep); a blob another repo still holds stays', async () => {
    const w = await world();
    const kept = await publish(w, 'open', syntheticRpm('same', '1.0'));
    const shared = await publish(w, 'other', syntheticRpm('same', '1.0')); // same bytes, second repo
    expect(shared.body.sha256).toBe(kept.body.sha256);
    // other bytes, same NEVRA as `kept`: 409, its blob stays behind until GC, its fragment does not
    const other = syntheticRpm('same', '1.0').map((b, i, a) => (i === a.length - 1 ? b ^ 1 : b));
    await expect(publish(w, 'open', other)).rejects.toMatchObject({ code: 'nevra_conflict' });
    const refusedSha = createHash('sha256').update(other).digest('hex');
    expect(await w.store.head(packageBlobKey('acme', refusedSha))).not.toBeNull();
    expect(await w.store.head(repoFragmentKey('acme', 'open', refusedSha))).toBeNull();
    await w.sink.idle();
    await deletePackage(w.deps, storeTenancy, { tenant: 'acme', repo: 'open', sha256: kept.body.sha256, actor: 'operator' });
    await w.sink.idle();
    await collectGarbage(w.deps, new Date(Date.now() + 5 * DAY));
    expect(await w.store.head(packageBlobKey('acme', kept.body.sha256))).not.toBeNull(); // 'other' has it
    expect(await w.store.head(repoFragmentKey('acme', 'open', kept.body.sha256))).toBeNull();
    expect(await w.store.head(repoFragmentKey('acme', 'other', kept.body.sha256))).not.toBeNull();
    expect(await w.store.head(packageBlobKey('acme', refusedSha))).toBeNull();
  }, 60_000);
});
