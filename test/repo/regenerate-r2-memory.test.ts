// What a regeneration keeps alive, measured: regenerate() over the R2 driver (src/storage/r2-store.ts)
// with an in-memory bucket, a forced GC at every bucket call, and the ArrayBuffers then alive minus
// the bucket's own bytes. The three metadata files are uploaded at once, each holding at most one
// 5 MiB part, so about 15 MiB plus segments in flight is expected. A regression once held
// 60+ MiB here: each upload kept a part's worth of compressed members, and each member was a view
// pinning its whole chunk-cache entry (~10× its size). The Worker has 128 MB for everything.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { synthFilesPackage } from '../../bench/lib/synth-files.js';
import { regenerate } from '../../src/repo/regenerate.js';
import { storeTenancy } from '../../src/repo/tenancy-bindings.js';
import { createTenant } from '../../src/repo/tenants.js';
import { createR2BlobStore } from '../../src/storage/r2-store.js';
import { memoryBucket } from '../storage/r2-memory-bucket.js';
import { makeWorld, publish } from './support.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
const MiB = 1024 * 1024;

describe('regeneration through the R2 driver', () => {
  it('holds about one part per metadata upload, not the members it streamed', async () => {
    let measuring = false;
    let peak = 0;
    let samples = 0;
    const b = memoryBucket(() => {
      if (!measuring) return;
      gc();
      samples++;
      peak = Math.max(peak, process.memoryUsage().arrayBuffers - b.stored());
    });
    const store = createR2BlobStore(b.bucket);
    await createTenant(store, 'acme', new Date());
    const w = await makeWorld([{ name: 'open', allowUnsigned: true }], { store });
    w.deps = { ...w.deps, events: { send: async () => undefined } };
    // ~1 MB of filelists XML each: 60 MB in one chunk (~30 segments), ~4 MB of filelists.xml.gz
    for (let i = 1; i <= 60; i++) await publish(w, 'open', synthFilesPackage(i, 7000).bytes);
    gc();
    const base = process.memoryUsage().arrayBuffers - b.stored();
    measuring = true;
    const r = await regenerate({ ...w.deps, store }, storeTenancy, 'acme', 'open');
    measuring = false;
    expect(r.chunks).toEqual({ chunks: 1, reused: 0, built: 1 });
    expect(samples).toBeGreaterThan(20);
    // 3 uploads × up to 5 MiB (a part grows by doubling, so up to 1.5× that while it grows), a
    // segment being read and one being built: 8-24 MiB over runs; the regression held 60-63 MiB
    expect((peak - base) / MiB).toBeLessThan(40);
  }, 180_000);
});
