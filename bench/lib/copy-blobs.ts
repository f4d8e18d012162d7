/**
 * Copies blobs from one store into another, 16 at a time, keeping each one's content type and
 * metadata: how the benches seed Azurite from a store they built faster elsewhere (Azurite
 * takes a few hundred puts a second here, so the copy is what a seed's time is spent on).
 */
import { drainExact } from '../../src/repo/read-bytes.js';
import type { BlobStore } from '../../src/storage/blob-store.js';

export interface Copied {
  /** Objects copied (a key gone from the source by the time it is read is skipped). */
  objects: number;
  bytes: number;
  seconds: number;
}

export async function copyBlobs(from: BlobStore, to: BlobStore, keys: readonly string[], parallel = 16): Promise<Copied> {
  const t = performance.now();
  let next = 0;
  let objects = 0;
  let bytes = 0;
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      while (next < keys.length) {
        const key = keys[next++]!;
        const obj = await from.get(key);
        if (!obj) continue;
        const body = await drainExact(obj, key);
        await to.put(key, body, { ...(obj.contentType === undefined ? {} : { contentType: obj.contentType }), metadata: obj.metadata });
        objects++;
        bytes += body.length;
      }
    }),
  );
  return { objects, bytes, seconds: (performance.now() - t) / 1000 };
}
