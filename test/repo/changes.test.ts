import { describe, expect, it } from 'vitest';
import { changesSince, MAX_FOLD } from '../../src/repo/changes-feed.js';
import { readChangeRecord } from '../../src/repo/change-log.js';
import { collectGarbage } from '../../src/repo/gc.js';
import { addPackage, readIndex, removePackage, updateIndex } from '../../src/repo/index-store.js';
import type { BlobStore } from '../../src/storage/blob-store.js';
import { StorageFailureError } from '../../src/storage/errors.js';
import { changeKey } from '../../src/storage/keys.js';
import { createMemoryBlobStore } from '../../src/storage/memory-store.js';
import { createTenant } from '../../src/repo/tenants.js';
import { createRepo } from '../../src/repo/repos.js';
import type { IndexEntry } from '../../src/repo/index-entry.js';

const now = (): Date => new Date();
const sha = (c: string): string => c.repeat(64);

function entry(name: string, c: string): IndexEntry {
  return {
    sha256: sha(c), name, epoch: 0, version: '1', release: '1', arch: 'noarch', filename: `${name}-1-1.noarch.rpm`,
    location: `Packages/${name[0]}/${name}-1-1.noarch.rpm`, size: 100 + name.length, addedAt: 1_700_000_000, signer: null,
  };
}

const names = (list: { location: string }[]): string[] => list.map((p) => p.location.split('/').pop()!.split('-')[0]!);

async function history(store: BlobStore): Promise<void> {
  await addPackage(store, 'acme', 'main', entry('alpha', 'a'), now); // 1
  await addPackage(store, 'acme', 'main', entry('beta', 'b'), now); // 2
  await removePackage(store, 'acme', 'main', entry('alpha', 'a'), now); // 3
  await addPackage(store, 'acme', 'main', entry('gamma', 'c'), now); // 4
}

describe('change log and feed', () => {
  it('logs every index revision and folds ranges into net changes', async () => {
    const store = createMemoryBlobStore();
    await history(store);
    const r3 = await readChangeRecord(store, 'acme', 'main', 3);
    expect(r3).toMatchObject({ revision: 3, added: [], removed: [{ sha256: sha('a'), location: 'Packages/a/alpha-1-1.noarch.rpm' }] });
    expect((await readChangeRecord(store, 'acme', 'main', 1))?.added[0]).toMatchObject({ nevra: 'alpha-1-1.noarch', size: 105, addedAt: 1_700_000_000 });

    const from0 = await changesSince(store, 'acme', 'main', 0);
    expect(from0).toMatchObject({ from: 0, to: 4, complete: true, removed: [] });
    expect(names(from0.added)).toEqual(['beta', 'gamma']); // alpha came and went: in neither list
    const from1 = await changesSince(store, 'acme', 'main', 1);
    expect([names(from1.added), names(from1.removed)]).toEqual([['beta', 'gamma'], ['alpha']]);
    const from2 = await changesSince(store, 'acme', 'main', 2);
    expect([names(from2.added), names(from2.removed)]).toEqual([['gamma'], ['alpha']]);
    expect(await changesSince(store, 'acme', 'main', 4)).toEqual({ from: 4, to: 4, added: [], removed: [], metadata: [], complete: true });
    const bounded = await changesSince(store, 'acme', 'main', 0, 2);
    expect([bounded.to, names(bounded.added), bounded.complete]).toEqual([2, ['alpha', 'beta'], true]);
    await expect(changesSince(store, 'acme', 'main', 0, 5)).rejects.toMatchObject({ code: 'invalid_range' });
    await expect(changesSince(store, 'acme', 'main', 3, 2)).rejects.toMatchObject({ code: 'invalid_range' });

    // re-adding removed bytes cancels out
    await addPackage(store, 'acme', 'main', entry('alpha', 'a'), now); // 5
    const from2b = await changesSince(store, 'acme', 'main', 2);
    expect([names(from2b.added), names(from2b.removed)]).toEqual([['gamma'], []]);
  });

  it('answers with the full list and complete=false when the log cannot (gap, ahead, pruned)', async () => {
    const store = createMemoryBlobStore();
    await history(store);
    await store.delete(changeKey('acme', 'main', 2));
    const gap = await changesSince(store, 'acme', 'main', 1);
    expect(gap).toMatchObject({ from: 1, to: 4, complete: false, removed: [] });
    expect(names(gap.added)).toEqual(['beta', 'gamma']); // the whole current set
    expect((await changesSince(store, 'acme', 'main', 2)).complete).toBe(true); // 3..4 are intact
    const ahead = await changesSince(store, 'acme', 'main', 99);
    expect([ahead.complete, names(ahead.added)]).toEqual([false, ['beta', 'gamma']]);
    expect(MAX_FOLD).toBeGreaterThan(100);
  });

  it('a lost log write is covered by the index and repaired by the next index write', async () => {
    const base = createMemoryBlobStore();
    let failChanges = false;
    const store: BlobStore = {
      ...base,
      get: (k, o) => base.get(k, o),
      head: (k) => base.head(k),
      delete: (k, o) => base.delete(k, o),
      list: (p, o) => base.list(p, o),
      put: (k, b, o) => {
        if (failChanges && k.includes('/changes/')) return Promise.reject(new StorageFailureError('put', k, { cause: new Error('injected') }));
        return base.put(k, b, o);
      },
    };
    await addPackage(store, 'acme', 'main', entry('alpha', 'a'), now);
    failChanges = true;
    await addPackage(store, 'acme', 'main', entry('beta', 'b'), now); // index at 2, log entry 2 lost
    failChanges = false;
    expect(await base.head(changeKey('acme', 'main', 2))).toBeNull();
    expect((await readIndex(store, 'acme', 'main')).lastChange?.revision).toBe(2);
    const feed = await changesSince(store, 'acme', 'main', 0);
    expect([feed.complete, names(feed.added)]).toEqual([true, ['alpha', 'beta']]);
    await addPackage(store, 'acme', 'main', entry('gamma', 'c'), now); // repairs 2, writes 3
    expect(await readChangeRecord(store, 'acme', 'main', 2)).toMatchObject({ revision: 2, added: [{ sha256: sha('b') }] });
    expect((await changesSince(store, 'acme', 'main', 1)).complete).toBe(true);
    // an unchanged mutation writes nothing
    await updateIndex(store, 'acme', 'main', now, () => ({ next: null, result: null }));
    expect(await base.head(changeKey('acme', 'main', 4))).toBeNull();
  });

  it('GC prunes change log entries past their retention but keeps the newest', async () => {
    const store = createMemoryBlobStore();
    await createTenant(store, 'acme', new Date());
    await createRepo(store, { tenant: 'acme', name: 'main', public: false, allowUnsigned: true }, new Date());
    await history(store);
    const logger = { info: () => undefined, warn: () => undefined, error: () => undefined };
    await collectGarbage({ store, logger, config: { retentionSeconds: 3 * 86400 } }, new Date());
    expect(await readChangeRecord(store, 'acme', 'main', 1)).not.toBeNull();
    await collectGarbage({ store, logger, config: { retentionSeconds: 3 * 86400 } }, new Date(Date.now() + 200 * 86400_000));
    const left = await Promise.all([1, 2, 3, 4].map((r) => readChangeRecord(store, 'acme', 'main', r)));
    expect(left.map((r) => r !== null)).toEqual([false, false, false, true]);
    expect((await changesSince(store, 'acme', 'main', 1)).complete).toBe(false);
  });
});
