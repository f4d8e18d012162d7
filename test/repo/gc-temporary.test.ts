// GC removes what crashed writes left inside the fs store (temp files, partial uploads up to the
// upload limit among them) once older than the grace period — by asking the driver, which reads
// its temp directory only: no listing of any tenant (or of anything) to find them.
import { mkdir, mkdtemp, readdir, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { GRACE_SECONDS, collectGarbage, sweepTemporary } from '../../src/repo/gc.js';
import { createTenant } from '../../src/repo/tenants.js';
import type { BlobStore } from '../../src/storage/blob-store.js';
import { TEMP_DIR, createFsBlobStore } from '../../src/storage/fs-store.js';
import { packageBlobKey } from '../../src/storage/keys.js';
import { makeWorld, publish, syntheticRpm } from './support.js';

let root = '';
afterEach(() => rm(root, { recursive: true, force: true }));

async function crashTemp(at: Date, bytes = 1024): Promise<void> {
  const file = path.join(root, TEMP_DIR, `crashed-${at.getTime()}`);
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, new Uint8Array(bytes));
  await utimes(file, at, at);
}

/** The store, counting list() calls. */
function counting(store: BlobStore): { store: BlobStore; lists: string[] } {
  const lists: string[] = [];
  const wrapped: BlobStore = {
    get: (k, o) => store.get(k, o), head: (k) => store.head(k), put: (k, b, o) => store.put(k, b, o), delete: (k, o) => store.delete(k, o),
    list: (p, o) => { lists.push(p); return store.list(p, o); },
    sweepTemporary: (d) => store.sweepTemporary!(d),
  };
  return { store: wrapped, lists };
}

describe('GC sweeps crash residue of the fs store', () => {
  it('removes temp files older than the grace, keeps younger ones, without listing anything', async () => {
    root = await mkdtemp(path.join(tmpdir(), 'berth-gc-tmp-'));
    const now = new Date();
    await crashTemp(new Date(now.getTime() - (GRACE_SECONDS + 60) * 1000), 5 * 1024 * 1024); // a partial upload
    await crashTemp(new Date(now.getTime() - 60 * 1000)); // possibly a live write
    const { store, lists } = counting(createFsBlobStore(root));
    expect(await sweepTemporary(store, now)).toBe(1);
    expect(lists).toEqual([]);
    expect(await readdir(path.join(root, TEMP_DIR))).toHaveLength(1);
  });

  it('is part of every GC pass, and never touches what is published', async () => {
    root = await mkdtemp(path.join(tmpdir(), 'berth-gc-tmp-'));
    const store = createFsBlobStore(root);
    await createTenant(store, 'acme', new Date());
    const w = await makeWorld([{ name: 'main', allowUnsigned: true }], { store });
    const r = await publish(w, 'main', syntheticRpm('kept'));
    await w.sink.idle();
    await crashTemp(new Date(Date.now() - 2 * GRACE_SECONDS * 1000));
    const report = await collectGarbage(w.deps, new Date());
    expect(report).toMatchObject({ temporary: 1, blobs: 0 });
    expect(await readdir(path.join(root, TEMP_DIR))).toEqual([]);
    expect(await store.head(packageBlobKey('acme', r.body.sha256))).not.toBeNull();
  });
});
