// The Worker counts its R2 calls (subrequests) through the binding: one per call, each step of a
// multipart upload included, whatever the store above does with them; and each result comes back
// on a new macrotask, so other events of the isolate run between two calls.
import { describe, expect, it } from 'vitest';
import { countedBucket, type CallCount } from '../../src/adapters/cloudflare/counted-bucket.js';
import { createR2BlobStore } from '../../src/storage/r2-store.js';
import { memoryBucket } from '../storage/r2-memory-bucket.js';

const MiB = 1024 * 1024;

function streamOf(bytes: Uint8Array, chunk = 256 * 1024): ReadableStream<Uint8Array> {
  let at = 0;
  return new ReadableStream({
    pull(c) {
      if (at >= bytes.length) return c.close();
      c.enqueue(bytes.slice(at, at + chunk));
      at += chunk;
    },
  });
}

describe('countedBucket', () => {
  it('counts every R2 call a store makes, and each multipart step', async () => {
    const m = memoryBucket();
    const count: CallCount = { calls: 0 };
    const store = createR2BlobStore(countedBucket(m.bucket, count), { partSize: 5 * MiB });
    await store.put('a/one', new Uint8Array([1, 2, 3]));
    expect(count.calls).toBe(1);
    expect(await store.head('a/one')).not.toBeNull();
    const got = await store.get('a/one');
    await got!.body.cancel();
    expect(count.calls).toBe(3);
    await store.list('a/');
    expect(count.calls).toBe(4);
    // 11 MiB streamed without conditions: create + 3 parts + complete
    await store.put('a/big', streamOf(new Uint8Array(11 * MiB)));
    expect(m.partSizes).toHaveLength(3);
    expect(count.calls).toBe(4 + 5);
    expect(m.objects.get('a/big')?.length).toBe(11 * MiB);
    // delete is head + delete
    expect(await store.delete('a/one')).toBe(true);
    expect(count.calls).toBe(11);
  });

  it('hands every result back on a new macrotask, even when the bucket answers at once', async () => {
    const m = memoryBucket();
    const store = createR2BlobStore(countedBucket(m.bucket, { calls: 0 }));
    await store.put('a/one', new Uint8Array([1]));
    for (const call of [() => store.head('a/one'), () => store.list('a/'), () => store.put('a/two', new Uint8Array([2]))]) {
      let ticked = false;
      setTimeout(() => (ticked = true), 0);
      await call();
      expect(ticked).toBe(true);
    }
  });
});
