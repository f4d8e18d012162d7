// Snapshots (docs/service.md, Snapshots): a frozen generation under a name, refused when there
// is nothing to freeze or the name is taken, and never collected by GC — its repodata files,
// segment list, segments, chunks, fragments and package blobs all survive passes that remove
// everything else of the same age, and go once the snapshot is deleted.
import { describe, expect, it } from 'vitest';
import { readAudit } from '../../src/repo/audit.js';
import { chunkIdOf } from '../../src/repo/chunk-cache.js';
import { collectGarbage } from '../../src/repo/gc.js';
import { currentGeneration } from '../../src/repo/generations.js';
import { readList } from '../../src/repo/index-objects.js';
import { deletePackage } from '../../src/repo/publish.js';
import { createSnapshot, deleteSnapshot, listSnapshots, readSnapshot, type SnapshotRecord } from '../../src/repo/snapshots.js';
import { storeTenancy } from '../../src/repo/tenancy-bindings.js';
import { indexObjectKey, packageBlobKey, repoChunkKey, repodataKey, repoFragmentKey } from '../../src/storage/keys.js';
import { makeWorld, publish, syntheticRpm, type World } from './support.js';

const DAY = 86_400_000;

/** Every key a snapshot's serving and rebuilding rests on. */
async function referenced(w: World, s: SnapshotRecord, blobs: readonly string[]): Promise<string[]> {
  const g = s.generation;
  const keys = g.files.map((f) => repodataKey('acme', 'open', f));
  keys.push(indexObjectKey('acme', 'open', 'lists', g.index!));
  for (const ref of await readList(w.store, 'acme', 'open', g.index!)) {
    keys.push(indexObjectKey('acme', 'open', 'segments', ref.id));
    const chunk = await chunkIdOf(g.codec ?? 'gz', ref.id);
    for (const kind of ['primary', 'filelists', 'other']) keys.push(repoChunkKey('acme', 'open', chunk, kind));
  }
  for (const sha of blobs) keys.push(packageBlobKey('acme', sha), repoFragmentKey('acme', 'open', sha));
  return keys;
}

async function missing(w: World, keys: readonly string[]): Promise<string[]> {
  const out: string[] = [];
  for (const k of keys) if (!(await w.store.head(k))) out.push(k);
  return out;
}

describe('snapshots', () => {
  it('refuses an empty repo and a taken name; lists, shows and deletes; audits both', async () => {
    const w = await makeWorld([{ name: 'open', allowUnsigned: true }]);
    await expect(createSnapshot(w.store, storeTenancy, 'acme', 'open', 's1', 'operator', w.now.value)).rejects.toMatchObject({ code: 'no_metadata' });
    await publish(w, 'open', syntheticRpm('alpha'));
    await w.sink.idle();
    const s = await createSnapshot(w.store, storeTenancy, 'acme', 'open', 's1', 'operator', w.now.value);
    expect(s).toMatchObject({ name: 's1', revision: 1, packages: 1, createdBy: 'operator', copied: [] });
    expect(s.key).toContain('BEGIN PGP PUBLIC KEY BLOCK');
    expect(s.generation).toEqual((await currentGeneration(w.store, 'acme', 'open'))!.record);
    await expect(createSnapshot(w.store, storeTenancy, 'acme', 'open', 's1', 'operator', w.now.value)).rejects.toMatchObject({ code: 'snapshot_exists' });
    await createSnapshot(w.store, storeTenancy, 'acme', 'open', 'release-1.0', 'operator', w.now.value);
    expect((await listSnapshots(w.store, 'acme', 'open')).map((x) => x.name)).toEqual(['release-1.0', 's1']);
    await deleteSnapshot(w.store, storeTenancy, 'acme', 'open', 's1', 'operator', w.now.value);
    expect(await readSnapshot(w.store, 'acme', 'open', 's1')).toBeNull();
    await expect(deleteSnapshot(w.store, storeTenancy, 'acme', 'open', 's1', 'operator', w.now.value)).rejects.toMatchObject({ code: 'snapshot_not_found' });
    const actions = (await readAudit(w.store, 'acme')).map((e) => `${e.action} ${e.target}`);
    expect(actions.filter((a) => a.startsWith('snapshot.'))).toEqual(['snapshot.create open/s1', 'snapshot.create open/release-1.0', 'snapshot.delete open/s1']);
  });

  it('GC keeps everything a snapshot references, however old, until the snapshot is deleted', async () => {
    const w = await makeWorld([{ name: 'open', allowUnsigned: true }], { retentionSeconds: 0 });
    const a1 = await publish(w, 'open', syntheticRpm('alpha', '1'));
    await publish(w, 'open', syntheticRpm('beta', '1'));
    await w.sink.idle();
    const snap = await createSnapshot(w.store, storeTenancy, 'acme', 'open', 'frozen', 'operator', w.now.value);

    // the repo moves on: alpha-1 is deleted, alpha-2 and gamma arrive, new generations replace the frozen one
    await deletePackage(w.deps, storeTenancy, { tenant: 'acme', repo: 'open', sha256: a1.body.sha256, actor: 'operator' });
    await publish(w, 'open', syntheticRpm('alpha', '2'));
    await publish(w, 'open', syntheticRpm('gamma', '1'));
    await w.sink.idle();
    const current = (await currentGeneration(w.store, 'acme', 'open'))!.record;
    expect(current.revision).toBeGreaterThan(snap.revision);

    const keys = await referenced(w, snap, [a1.body.sha256]);
    expect(await missing(w, keys)).toEqual([]);
    let t = Date.now();
    for (let pass = 0; pass < 3; pass++) await collectGarbage(w.deps, new Date((t += 2 * DAY)));
    expect(await missing(w, keys)).toEqual([]);

    // without the snapshot, the same passes take what only it held
    await deleteSnapshot(w.store, storeTenancy, 'acme', 'open', 'frozen', 'operator', w.now.value);
    for (let pass = 0; pass < 3; pass++) await collectGarbage(w.deps, new Date((t += 2 * DAY)));
    const gone = await missing(w, keys);
    expect(gone).toContain(packageBlobKey('acme', a1.body.sha256));
    expect(gone).toContain(repoFragmentKey('acme', 'open', a1.body.sha256));
    expect(gone.some((k) => k.includes('/repodata/'))).toBe(true);
    expect(gone.some((k) => k.includes('/index/lists/'))).toBe(true);
    // what the current generation still uses stays
    for (const f of current.files) expect(await w.store.head(repodataKey('acme', 'open', f))).not.toBeNull();
  });
});
