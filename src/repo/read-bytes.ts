/**
 * Reading a whole blob, or a byte range of one, into one buffer of its exact size: the store's
 * `getBytes` where it has one (the fs store: one read, no stream), else the stream copied into a
 * buffer allocated once (a `Response` collect would allocate per chunk and again for the whole).
 */
import { BerthError } from '../core/errors.js';
import type { BlobObject, BlobStore, ByteRange } from '../storage/blob-store.js';

export async function drainExact(obj: BlobObject, key: string): Promise<Uint8Array> {
  const size = obj.range?.length ?? obj.size;
  const out = new Uint8Array(size);
  let n = 0;
  const reader = obj.body.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (n + value.length > size) throw new BerthError('blob_size_mismatch', `${key} is longer than its stated ${size} bytes`);
      out.set(value, n);
      n += value.length;
    }
  } catch (e) {
    await reader.cancel(e).catch(() => undefined);
    throw e;
  }
  if (n !== size) throw new BerthError('blob_size_mismatch', `${key} ended after ${n} of ${size} bytes`);
  return out;
}

/**
 * The blob's bytes (of `range` when given), or null when it does not exist. With `into`, a store
 * that reads without a stream reads into it when the bytes fit (the result is then a view of it).
 */
export async function readBytes(store: BlobStore, key: string, range?: ByteRange, into?: Uint8Array): Promise<Uint8Array | null> {
  if (store.getBytes) return store.getBytes(key, { ...(range ? { range } : {}), ...(into ? { into } : {}) });
  const obj = await store.get(key, range ? { range } : {});
  if (!obj) return null;
  return drainExact(obj, key);
}
