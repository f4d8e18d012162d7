// The R2 driver's streamed put against an in-memory bucket (the structural R2 binding type): parts
// are exactly partSize, and the driver keeps no reference to a chunk once it has read the next
// one. That matters in a 128 MB isolate: regeneration streams compressed members that may be small
// views of large buffers, and a part's worth of retained views pinned ~80 MiB (three uploads at
// once). The workerd suite (test/cloudflare/r2-store.test.ts) covers the real binding.
import { describe, expect, it, vi } from 'vitest';
import { R2BlobStore } from '../../src/storage/r2-store.js';
import { memoryBucket } from './r2-memory-bucket.js';

const MiB = 1024 * 1024;

/** Byte i of the test body. */
const byteAt = (i: number): number => (i * 31 + (i >>> 11)) & 0xff;

/**
 * `total` bytes in chunks of `chunk` bytes, each a view into one reused scratch buffer that the
 * producer overwrites on every pull: legal for a consumer that copies what it reads before reading
 * on, and garbage for one that keeps the views.
 */
function reusingStream(total: number, chunk: number): ReadableStream<Uint8Array> {
  const scratch = new Uint8Array(chunk + 16);
  let sent = 0;
  return new ReadableStream<Uint8Array>({
    pull(c) {
      if (sent >= total) return c.close();
      const n = Math.min(chunk, total - sent);
      scratch.fill(0xee);
      const view = scratch.subarray(8, 8 + n);
      for (let i = 0; i < n; i++) view[i] = byteAt(sent + i);
      sent += n;
      c.enqueue(view);
    },
  }, { highWaterMark: 0 });
}

function expectBody(bytes: Uint8Array | undefined, total: number): void {
  expect(bytes?.length).toBe(total);
  let bad = -1;
  for (let i = 0; i < total && bad < 0; i++) if (bytes![i] !== byteAt(i)) bad = i;
  expect(bad).toBe(-1);
}

describe('R2BlobStore streamed put', () => {
  it('copies each chunk on arrival: a producer that reuses its buffer still uploads the right bytes, in exact parts', async () => {
    const { bucket, objects, partSizes } = memoryBucket();
    const store = new R2BlobStore(bucket);
    const total = 11 * MiB + 12_345;
    // 100_003 does not divide 5 MiB: chunks straddle part boundaries (the carry path)
    await store.put('big', reusingStream(total, 100_003));
    expectBody(objects.get('big'), total);
    expect(partSizes).toEqual([5 * MiB, 5 * MiB, total - 10 * MiB]);
  });

  it('handles chunks larger than a part, and a body of exactly one part', async () => {
    const { bucket, objects, partSizes } = memoryBucket();
    const store = new R2BlobStore(bucket);
    const total = 12 * MiB;
    await store.put('huge-chunks', reusingStream(total, 7 * MiB));
    expectBody(objects.get('huge-chunks'), total);
    expect(partSizes).toEqual([5 * MiB, 5 * MiB, 2 * MiB]);
    await store.put('one-part', reusingStream(5 * MiB, 65_537));
    expectBody(objects.get('one-part'), 5 * MiB);
    // a body of exactly one part is read as a full part, then an empty last one (not uploaded)
    expect(partSizes).toEqual([5 * MiB, 5 * MiB, 2 * MiB, 5 * MiB]);
  });

  it('a small streamed body is one put of its own bytes', async () => {
    const { bucket, objects, partSizes } = memoryBucket();
    await new R2BlobStore(bucket).put('small', reusingStream(70_000, 4096));
    expectBody(objects.get('small'), 70_000);
    expect(partSizes).toEqual([]);
  });

  it('sweepTemporary deletes staging objects older than the cutoff, listing the staging prefix only', async () => {
    const { bucket, objects } = memoryBucket();
    const listed: (string | undefined)[] = [];
    const list = bucket.list.bind(bucket);
    bucket.list = (o) => { listed.push(o?.prefix); return list(o); };
    const store = new R2BlobStore(bucket);
    vi.useFakeTimers({ toFake: ['Date'] });
    try {
      vi.setSystemTime(Date.now() - 2 * 86_400_000);
      await bucket.put('_staging/crashed', new Uint8Array(10)); // what a killed isolate leaves
    } finally {
      vi.useRealTimers();
    }
    await bucket.put('_staging/in-flight', new Uint8Array(10));
    await store.put('kept', new Uint8Array(3));
    expect(await store.sweepTemporary(new Date(Date.now() - 86_400_000))).toBe(1);
    expect([...objects.keys()].sort()).toEqual(['_staging/in-flight', 'kept']);
    expect(listed).toEqual(['_staging/']);
  });
});
