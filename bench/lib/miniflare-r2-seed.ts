/**
 * Bulk copy of objects of a BlobStore (`keys`) into the Worker's persisted local R2 bucket, by writing
 * Miniflare's R2 store directly: one row per object in the bucket's SQLite table (`_mf_objects`:
 * key, blob id, version, size, MD5 ETag, upload time, checksums, HTTP and custom metadata) and
 * the bytes as a blob file under `<bucket>/blobs/<blob id>`, which is what the simulator itself
 * writes for a put. Through the binding, every put is a round trip through the simulator (30-150
 * puts/s measured here, with or without many in flight): 200,000 objects would take hours; this
 * takes seconds.
 *
 * The bucket's database and blob directory are made by one put through the binding first (so
 * their names are the simulator's), and the result is checked through the binding afterwards
 * (listing 200,000 objects through it takes longer than the copy): a list page, a head of every
 * object outside the largest directory, and the bytes and metadata of a sample. A simulator whose store format changed fails that check instead of seeding garbage.
 * The Worker (or anything else using the state) must not be running meanwhile.
 */
import { createHash, randomBytes } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import type { BlobStore } from '../../src/storage/blob-store.js';
import { drainExact } from '../../src/repo/read-bytes.js';
import { openLocalR2 } from './local-r2.js';

const PROBE = 'miniflare-seed-probe';

/** The id the simulator gives a blob: 32 random bytes, then the time as a 64-bit integer, in hex. */
function blobId(): string {
  const b = Buffer.alloc(40);
  randomBytes(32).copy(b);
  b.writeBigInt64BE(BigInt(Math.floor(performance.timeOrigin + performance.now())), 32);
  return b.toString('hex');
}

/** The directory prefix holding the most keys (up to the last `/`). */
function largestPrefix(keys: readonly string[]): string {
  const n = new Map<string, number>();
  for (const k of keys) {
    const p = k.slice(0, k.lastIndexOf('/') + 1);
    n.set(p, (n.get(p) ?? 0) + 1);
  }
  return [...n].sort((a, b) => b[1] - a[1])[0]?.[0] ?? '';
}

/** Whether `e` or one of its causes says the peer closed the connection. */
function closedByPeer(e: unknown): boolean {
  for (let c: unknown = e; c; c = (c as { cause?: unknown }).cause) if (String(c).includes('other side closed')) return true;
  return false;
}

/**
 * A call through the proxy can go out on a pooled keep-alive connection workerd has just closed
 * ("other side closed"): tried again, up to three times.
 */
async function retried<T>(call: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (e) {
      if (attempt >= 3 || !closedByPeer(e)) throw e;
    }
  }
}

interface Copied { objects: number; bytes: number; seconds: number }

export async function copyIntoLocalR2(root: string, persist: string, from: BlobStore, keys: Iterable<string>, say?: (line: string) => void): Promise<Copied> {
  const t0 = performance.now();
  let r2 = await openLocalR2(root, persist);
  try {
    await r2.bucket.put(PROBE, new Uint8Array([1]));
    await r2.bucket.delete(PROBE);
  } finally {
    await r2.dispose();
  }
  const r2dir = join(persist, 'v3', 'r2');
  const dbDir = join(r2dir, 'miniflare-R2BucketObject');
  const dbs = readdirSync(dbDir).filter((f) => f.endsWith('.sqlite') && f !== 'metadata.sqlite');
  const buckets = readdirSync(r2dir).filter((d) => d !== 'miniflare-R2BucketObject');
  if (dbs.length !== 1 || buckets.length !== 1) throw new Error(`expected one R2 bucket in ${r2dir}: databases ${dbs.join(',')}, directories ${buckets.join(',')}`);
  const blobs = join(r2dir, buckets[0] as string, 'blobs');
  const db = new DatabaseSync(join(dbDir, dbs[0] as string));
  const insert = db.prepare(`INSERT OR REPLACE INTO _mf_objects (key, blob_id, version, size, etag, uploaded, checksums, http_metadata, custom_metadata)
    VALUES (?, ?, ?, ?, ?, ?, '{}', ?, ?)`);
  const expected = new Map<string, { size: number; md5: string; metadata: Record<string, string> }>();
  let bytes = 0;
  db.exec('BEGIN');
  try {
    for (const key of keys) {
      const obj = await from.get(key);
      if (!obj) continue;
      const body = await drainExact(obj, key);
      const id = blobId();
      await writeFile(join(blobs, id), body);
      const md5 = createHash('md5').update(body).digest('hex');
      insert.run(key, id, randomBytes(16).toString('hex'), body.length, md5, Date.now(),
        JSON.stringify(obj.contentType === undefined ? {} : { contentType: obj.contentType }), JSON.stringify(obj.metadata));
      expected.set(key, { size: body.length, md5, metadata: obj.metadata });
      bytes += body.length;
      if (expected.size % 50_000 === 0) say?.(`copying into local R2: ${expected.size} objects`);
    }
    db.exec('COMMIT');
  } catch (e) {
    db.exec('ROLLBACK');
    throw e;
  } finally {
    db.close();
  }
  // Checked through the binding: the first page of a list (sizes and ETags), a head of every
  // object outside the largest prefix (the per-package files), and a sample read back whole.
  r2 = await openLocalR2(root, persist);
  try {
    const check = (key: string, size: number, etag: string): void => {
      const want = expected.get(key);
      if (want && (size !== want.size || etag.replaceAll('"', '') !== want.md5)) throw new Error(`local R2 has ${key} as ${size} bytes, ETag ${etag}; written ${want.size}, ${want.md5}`);
    };
    const page = await retried(() => r2.bucket.list({ limit: 1000 }));
    if (page.objects.length === 0) throw new Error('local R2 lists nothing after the copy');
    for (const o of page.objects) check(o.key, o.size, o.etag);
    const keys = [...expected.keys()];
    const bulk = largestPrefix(keys);
    for (const key of keys.filter((k) => !k.startsWith(bulk))) {
      const o = await retried(() => r2.bucket.head(key));
      if (!o) throw new Error(`local R2 has no ${key} after the copy`);
      check(key, o.size, o.etag);
    }
    for (let i = 0; i < keys.length; i += Math.max(1, Math.floor(keys.length / 50))) {
      const key = keys[i] as string;
      const got = await retried(() => r2.store.get(key));
      const want = expected.get(key)!;
      const body = got ? await drainExact(got, key) : null;
      if (!body || createHash('md5').update(body).digest('hex') !== want.md5 || JSON.stringify(got!.metadata) !== JSON.stringify(want.metadata)) {
        throw new Error(`local R2 does not read ${key} back as written`);
      }
    }
  } finally {
    await r2.dispose();
  }
  return { objects: expected.size, bytes, seconds: (performance.now() - t0) / 1000 };
}
