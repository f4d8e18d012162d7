// The BlobStore conformance suite against the R2 driver running inside workerd with a local R2
// bucket (wrangler's unstable_startWorker). The suite runs here in Node and drives the driver
// over HTTP through a small test Worker (in a child process, so local R2's storage is not in
// this heap), because the suite's memory probe needs node:v8. The no-buffering assertion thus
// covers the client side; the driver's own bound is one multipart part by construction, and the
// multipart and staging paths are exercised below.
import { describe, expect, it } from 'vitest';
import { checkedStore } from '../../src/storage/checked-store.js';
import { describeBlobStore } from '../storage/blob-store.suite.js';
import { drain, generatedBody } from '../storage/stream-probe.js';
import { RemoteStore } from './remote-store.js';
import { startWorkerProcess, workerdUnavailableReason, type LocalWorker } from './workerd.js';

const reason = workerdUnavailableReason();
if (reason) console.warn(`[skip] R2 store in workerd: ${reason}`);

function harness(bucket: string): Promise<LocalWorker> {
  return startWorkerProcess({
    entrypoint: 'test/cloudflare/harness/store-worker.ts',
    compatibilityDate: '2026-11-01',
    compatibilityFlags: ['nodejs_compat'],
    bindings: { BUCKET: { type: 'r2_bucket', bucket_name: bucket } },
    dev: { persist: false, logLevel: 'warn' },
  });
}

describe.skipIf(reason !== null)('r2 (workerd, local R2)', () => {
  describeBlobStore('r2', async () => {
    const w = await harness('conformance');
    return { store: new RemoteStore(w.url), close: () => w.dispose() };
  });

  describe('r2 store specifics', () => {
    it('streams a body of unknown length through multipart parts, and a conditional one through staging', async () => {
      const w = await harness('specifics');
      try {
        const s = checkedStore(new RemoteStore(w.url));
        const size = 11 * 1024 * 1024 + 123; // three 5 MiB parts in the harness
        // Chunks that straddle part boundaries (the rest of a read starts the next part).
        const gen = generatedBody(size, undefined, 100_003, 7);
        const { etag } = await s.put('big/plain', gen.stream);
        const got = await s.get('big/plain');
        expect(got!.etag).toBe(etag);
        expect(await drain(got!.body)).toEqual({ size, sha256: gen.digest() });
        // Exactly two parts: no empty third part is uploaded.
        const exact = generatedBody(10 * 1024 * 1024, undefined, 64 * 1024, 5);
        await s.put('big/exact', exact.stream);
        expect(await drain((await s.get('big/exact'))!.body)).toEqual({ size: 10 * 1024 * 1024, sha256: exact.digest() });
        await s.delete('big/exact');

        const gen2 = generatedBody(size, undefined, 64 * 1024, 9);
        const created = await s.put('big/once', gen2.stream, { ifNoneMatch: '*', contentType: 'application/x-rpm', metadata: { k: 'v' } });
        const gen3 = generatedBody(size, undefined, 64 * 1024, 11);
        await expect(s.put('big/once', gen3.stream, { ifNoneMatch: '*' })).rejects.toMatchObject({ code: 'precondition_failed' });
        const head = await s.head('big/once');
        expect(head).toMatchObject({ etag: created.etag, size, contentType: 'application/x-rpm', metadata: { k: 'v' } });
        expect(await drain((await s.get('big/once'))!.body)).toEqual({ size, sha256: gen2.digest() });
        // No staging object is left or listed.
        expect((await s.list('')).items.map((i) => i.key)).toEqual(['big/once', 'big/plain']);
        await s.delete('big/plain');
        await s.delete('big/once');
      } finally {
        await w.dispose();
      }
    }, 120_000);
  });
});
