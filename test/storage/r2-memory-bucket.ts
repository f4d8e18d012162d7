// An in-memory R2 bucket (the structural binding type of src/storage/r2-store.ts) for tests of the
// driver's streaming and memory: conditional puts and ETags as R2 has them, multipart uploads, and
// the bytes it stores counted (`stored`) so a test can tell them from what the code under test holds.
import type { R2BucketLike, R2ObjectLike } from '../../src/storage/r2-store.js';

export interface MemoryBucket {
  bucket: R2BucketLike;
  objects: Map<string, Uint8Array>;
  /** Sizes of the multipart parts uploaded, in order. */
  partSizes: number[];
  /** Bytes the bucket holds (objects and parts of open uploads). */
  stored(): number;
}

/** `onCall` runs at every put and uploadPart, before the bucket copies the body. */
export function memoryBucket(onCall: () => void = () => undefined): MemoryBucket {
  const objects = new Map<string, Uint8Array>();
  const metas = new Map<string, R2ObjectLike>();
  const partSizes: number[] = [];
  let stored = 0;
  let version = 0;
  const set = (key: string, bytes: Uint8Array): R2ObjectLike => {
    stored += bytes.length - (objects.get(key)?.length ?? 0);
    objects.set(key, bytes);
    const m: R2ObjectLike = { key, version: String(++version), size: bytes.length, etag: `e${version}`, uploaded: new Date() };
    metas.set(key, m);
    return m;
  };
  const bucket: R2BucketLike = {
    head: async (key) => metas.get(key) ?? null,
    get: async (key, o) => {
      const bytes = objects.get(key);
      if (!bytes) return null;
      const from = o?.range?.offset ?? 0;
      const to = o?.range?.length === undefined ? bytes.length : from + o.range.length;
      return { ...metas.get(key)!, body: new Response(bytes.slice(from, to)).body! };
    },
    put: async (key, value, o) => {
      onCall();
      if (o?.onlyIf?.etagDoesNotMatch === '*' && objects.has(key)) return null;
      if (o?.onlyIf?.etagMatches !== undefined && metas.get(key)?.etag !== o.onlyIf.etagMatches) return null;
      return set(key, value instanceof Uint8Array ? value.slice() : new Uint8Array(await new Response(value).arrayBuffer()));
    },
    delete: async (keys) => {
      for (const k of Array.isArray(keys) ? keys : [keys]) {
        stored -= objects.get(k)?.length ?? 0;
        objects.delete(k);
        metas.delete(k);
      }
    },
    list: async (o) => {
      const keys = [...metas.keys()].filter((k) => k.startsWith(o?.prefix ?? '')).sort();
      const from = Number(o?.cursor ?? 0);
      const end = from + (o?.limit ?? 1000);
      return { objects: keys.slice(from, end).map((k) => metas.get(k)!), truncated: end < keys.length, ...(end < keys.length ? { cursor: String(end) } : {}) };
    },
    createMultipartUpload: async (key) => {
      const parts = new Map<number, Uint8Array>();
      let held = 0;
      return {
        uploadPart: async (n, value) => {
          onCall();
          // a copy taken now: what the binding sends is the part as it is when uploaded
          const copy = value.slice();
          parts.set(n, copy);
          partSizes.push(value.length);
          held += copy.length;
          stored += copy.length;
          return { partNumber: n, etag: `p${n}` };
        },
        abort: async () => {
          stored -= held;
        },
        complete: async (list) => {
          const all = list.map((p) => parts.get(p.partNumber)!);
          const out = new Uint8Array(all.reduce((a, b) => a + b.length, 0));
          let at = 0;
          for (const p of all) {
            out.set(p, at);
            at += p.length;
          }
          stored -= held;
          return set(key, out);
        },
      };
    },
  };
  return { bucket, objects, partSizes, stored: () => stored };
}
