import { describe, expect, it } from 'vitest';
import { collectGarbage } from '../../src/repo/gc.js';
import { currentGeneration } from '../../src/repo/generations.js';
import { deletePackage } from '../../src/repo/publish.js';
import { storeTenancy } from '../../src/repo/tenancy-bindings.js';
import { packageBlobKey, repodataKey, uploadKey } from '../../src/storage/keys.js';
import { makeWorld, publish, readBlob, syntheticRpm } from './support.js';

const DAY = 86_400_000;

describe('collectGarbage', () => {
  it('keeps a superseded generation for the retention window, then removes it, its files and unreferenced blobs', async () => {
    const w = await makeWorld([{ name: 'open', allowUnsigned: true }], { retentionSeconds: 3 * 86400 });
    const a = await publish(w, 'open', syntheticRpm('alpha'));
    await w.sink.idle();
    const old = (await currentGeneration(w.store, 'acme', 'open'))!.record;
    const b = await publish(w, 'open', syntheticRpm('beta'));
    await deletePackage(w.deps, storeTenancy, { tenant: 'acme', repo: 'open', sha256: a.body.sha256, actor: 'operator' });
    await w.sink.idle();
    const cur = (await currentGeneration(w.store, 'acme', 'open'))!.record;
    expect(cur.revision).toBe(3);
    await w.store.put(uploadKey(crypto.randomUUID()), new Uint8Array([1]));

    // within retention: the old generation, its files and the deleted package's blob all stay
    const soon = await collectGarbage(w.deps, new Date(Date.now() + 2 * DAY));
    expect(soon).toMatchObject({ generations: 0, repodataFiles: 0, blobs: 0, uploads: 1 });
    for (const f of old.files) expect(await readBlob(w.store, repodataKey('acme', 'open', f))).not.toBeNull();
    expect(await w.store.head(packageBlobKey('acme', a.body.sha256))).not.toBeNull();

    const later = await collectGarbage(w.deps, new Date(Date.now() + 4 * DAY));
    expect(later.generations).toBeGreaterThanOrEqual(1);
    expect(later.blobs).toBe(1);
    for (const f of old.files.filter((x) => !cur.files.includes(x))) expect(await w.store.head(repodataKey('acme', 'open', f))).toBeNull();
    for (const f of cur.files) expect(await w.store.head(repodataKey('acme', 'open', f))).not.toBeNull();
    expect(await w.store.head(packageBlobKey('acme', a.body.sha256))).toBeNull();
    expect(await w.store.head(packageBlobKey('acme', b.body.sha256))).not.toBeNull();
    expect((await currentGeneration(w.store, 'acme', 'open'))!.record).toEqual(cur);
    expect(await collectGarbage(w.deps, new Date(Date.now() + 5 * DAY))).toEqual({ generations: 0, repodataFiles: 0, fragments: 0, chunks: 0, indexObjects: 0, blobs: 0, uploads: 0, temporary: 0, sessions: 0, deleted: 0 });
  });
});
