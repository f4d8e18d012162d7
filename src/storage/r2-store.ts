/**
 * BlobStore over a Cloudflare R2 bucket binding (Workers). Runtime-neutral code: the binding is
 * described structurally below, so this module needs neither @cloudflare/workers-types nor workerd.
 *
 * How the contract maps onto R2 (docs/cloudflare.md has the long version):
 * - ETags. R2's own ETag is the MD5 of the bytes, so rewriting identical bytes keeps it, and the
 *   contract wants a new one per write. The ETag handed out is `"<r2 etag>:<version>"` (`version`
 *   is R2's per-write id). Conditions can only test the R2 ETag, so an `ifMatch` naming an older
 *   version of byte-identical content still succeeds — harmless for CAS: the state the caller
 *   read is exactly the current state.
 * - Create-only is `onlyIf: { etagDoesNotMatch: '*' }` (R2 evaluates the wildcard as "the object
 *   exists"); compare-and-swap is `onlyIf: { etagMatches }`. A failed condition makes `put`
 *   resolve null. Both are atomic in R2.
 * - R2 has no conditional delete: an `ifMatch` delete is head + compare + delete, serialised per
 *   key inside this store (one isolate) but not across isolates. Berth only deletes conditionally
 *   in GC, where losing that race deletes what a concurrent GC would delete anyway.
 * - R2 only streams bodies of known length. A streamed put of unknown length is read in parts of
 *   `partSize` (default 5 MiB, R2's minimum; all but the last equal): a body that fits one part
 *   is one atomic `put`; a longer one goes through a multipart upload (the object appears only on
 *   `complete`, so readers never see a prefix). Multipart cannot carry conditions, so a long body
 *   *with* conditions is uploaded to a staging key and then copied with them. Memory per put is one
 *   part and one chunk, never the body: chunks are copied into the part as they are read and not
 *   kept (see #readPart); regeneration uploads three metadata files at once in a 128 MB isolate.
 * - copy is get + put: the source's known length lets the put stream (FixedLengthStream) and carry
 *   the destination conditions in one atomic write.
 */
import type {
  BlobInfo, BlobObject, BlobStore, CopyOptions, DeleteOptions, GetOptions, ListItem, ListOptions, ListPage,
  PutOptions, PutResult,
} from './blob-store.js';
import { bareEtag } from './blob-store.js';
import { checkedStore } from './checked-store.js';
import { DEFAULT_LIST_LIMIT } from './driver-util.js';
import { BlobNotFoundError, PreconditionFailedError, RangeNotSatisfiableError } from './errors.js';
import { KeyLocks } from './key-locks.js';

/** One set of key locks per bucket binding in this isolate (see R2BlobStore#locks). */
const LOCKS = new WeakMap<object, KeyLocks>();

/** The parts of R2's Workers API this driver uses (structurally compatible with workers-types). */
export interface R2ObjectLike {
  key: string;
  version: string;
  size: number;
  etag: string;
  uploaded: Date;
  httpMetadata?: { contentType?: string };
  customMetadata?: Record<string, string>;
}
export interface R2ObjectBodyLike extends R2ObjectLike {
  body: ReadableStream<Uint8Array>;
}
export interface R2ConditionalLike {
  etagMatches?: string;
  etagDoesNotMatch?: string;
}
export interface R2PutOptionsLike {
  onlyIf?: R2ConditionalLike;
  httpMetadata?: { contentType?: string };
  customMetadata?: Record<string, string>;
}
export interface R2MultipartUploadLike {
  uploadPart(partNumber: number, value: Uint8Array): Promise<{ partNumber: number; etag: string }>;
  abort(): Promise<void>;
  complete(parts: { partNumber: number; etag: string }[]): Promise<R2ObjectLike>;
}
export interface R2BucketLike {
  head(key: string): Promise<R2ObjectLike | null>;
  get(key: string, options?: { range?: { offset: number; length?: number } }): Promise<R2ObjectBodyLike | R2ObjectLike | null>;
  put(key: string, value: ReadableStream<Uint8Array> | Uint8Array | null, options?: R2PutOptionsLike): Promise<R2ObjectLike | null>;
  delete(keys: string | string[]): Promise<void>;
  list(options?: { prefix?: string; cursor?: string; limit?: number }): Promise<{ objects: R2ObjectLike[]; truncated: boolean; cursor?: string }>;
  createMultipartUpload(key: string, options?: Omit<R2PutOptionsLike, 'onlyIf'>): Promise<R2MultipartUploadLike>;
}

/** workerd's FixedLengthStream: a TransformStream whose readable side has a known length. */
type FixedLengthStreamCtor = new (length: number) => TransformStream<Uint8Array, Uint8Array>;

export interface R2BlobStoreOptions {
  /** Multipart part size and the most a streamed put buffers (default and minimum 5 MiB). */
  partSize?: number;
}

/** Keys no Berth key can be (segments must start alphanumeric); hidden from list(). */
const STAGING_PREFIX = '_staging/';
const MIN_PART = 5 * 1024 * 1024;

function etagOf(o: R2ObjectLike): string {
  return `"${bareEtag(o.etag)}:${o.version}"`;
}

/** The R2 ETag inside one of ours, or null when the tag cannot be ours (weak, malformed). */
function r2EtagOf(etag: string): string | null {
  if (etag.startsWith('W/')) return null;
  const bare = bareEtag(etag);
  const colon = bare.lastIndexOf(':');
  return colon > 0 ? bare.slice(0, colon) : null;
}

function infoOf(key: string, o: R2ObjectLike): BlobInfo {
  const info: BlobInfo = { key, size: o.size, etag: etagOf(o), lastModified: o.uploaded, metadata: { ...o.customMetadata } };
  if (o.httpMetadata?.contentType !== undefined) info.contentType = o.httpMetadata.contentType;
  return info;
}

interface Part {
  part: Uint8Array;
  done: boolean;
  /** Bytes read past the part (a copy), which start the next one. */
  carry: Uint8Array | null;
}

/** The first allocation of a part; it doubles up to partSize, so a small body costs little. */
const FIRST_CAPACITY = 64 * 1024;

function writeOptions(o: { contentType?: string; metadata?: Record<string, string> }): Omit<R2PutOptionsLike, 'onlyIf'> {
  return {
    httpMetadata: o.contentType === undefined ? {} : { contentType: o.contentType },
    customMetadata: { ...o.metadata },
  };
}

export class R2BlobStore implements BlobStore {
  readonly #bucket: R2BucketLike;
  readonly #partSize: number;
  // Per bucket binding, not per store instance: callers may build a store per request, and the
  // lock must still serialise conditional deletes within the isolate.
  readonly #locks: KeyLocks;

  constructor(bucket: R2BucketLike, options: R2BlobStoreOptions = {}) {
    this.#bucket = bucket;
    this.#partSize = Math.max(MIN_PART, options.partSize ?? MIN_PART);
    let locks = LOCKS.get(bucket);
    if (!locks) LOCKS.set(bucket, (locks = new KeyLocks()));
    this.#locks = locks;
  }

  async get(key: string, options: GetOptions = {}): Promise<BlobObject | null> {
    const range = options.range;
    let obj: R2ObjectBodyLike | R2ObjectLike | null;
    try {
      obj = await this.#bucket.get(key, range ? { range: { offset: range.offset, ...(range.length === undefined ? {} : { length: range.length }) } } : {});
    } catch (err) {
      // R2 rejects a range starting at or past the end (InvalidRange); tell "missing" from "too far".
      if (!range) throw err;
      const info = await this.#bucket.head(key);
      if (!info) return null;
      if (range.offset >= info.size) throw new RangeNotSatisfiableError(key, range.offset, info.size);
      throw err;
    }
    if (!obj) return null;
    if (!('body' in obj)) throw new Error(`R2 returned no body for ${key}`);
    const info = infoOf(key, obj);
    if (!range) return { ...info, body: obj.body };
    if (range.offset >= obj.size) {
      await obj.body.cancel();
      throw new RangeNotSatisfiableError(key, range.offset, obj.size);
    }
    const available = obj.size - range.offset;
    const length = range.length === undefined ? available : Math.min(range.length, available);
    return { ...info, range: { offset: range.offset, length }, body: obj.body };
  }

  async head(key: string): Promise<BlobInfo | null> {
    const o = await this.#bucket.head(key);
    return o ? infoOf(key, o) : null;
  }

  async put(key: string, body: Uint8Array | ReadableStream<Uint8Array>, options: PutOptions = {}): Promise<PutResult> {
    if (body instanceof Uint8Array) return this.#putOnce(key, body, options);
    const reader = body.getReader();
    const first = await this.#readPart(reader, null);
    if (first.done) return this.#putOnce(key, first.part, options);
    const conditional = options.ifMatch !== undefined || options.ifNoneMatch !== undefined;
    if (!conditional) return this.#multipart(key, first, reader, options);
    const staging = `${STAGING_PREFIX}${crypto.randomUUID()}`;
    try {
      await this.#multipart(staging, first, reader, {});
      return await this.#copyFrom(staging, key, options, { ...(options.contentType === undefined ? {} : { contentType: options.contentType }), metadata: { ...options.metadata } });
    } finally {
      await this.#bucket.delete(staging).catch(() => undefined);
    }
  }

  /**
   * The next part: exactly `partSize` bytes (`carry`, the rest of the previous read, first), or
   * fewer when the stream ended (`done`). Each chunk is copied into the part as it arrives and
   * not kept: a chunk may be a small view of a much larger buffer (a compressed member read
   * out of a chunk-cache entry), and holding a part's worth of such views would pin all of
   * their buffers (about 80 MiB in a 128 MB isolate, three uploads at once). So a put holds
   * one part and one chunk, whatever the producer's chunks point into.
   */
  async #readPart(reader: ReadableStreamDefaultReader<Uint8Array>, carry: Uint8Array | null): Promise<Part> {
    const size = this.#partSize;
    let part = new Uint8Array(Math.min(size, Math.max(FIRST_CAPACITY, carry?.length ?? 0)));
    let total = 0;
    /** Copies what fits of `chunk`; returns how many bytes did. */
    const append = (chunk: Uint8Array): number => {
      const n = Math.min(chunk.length, size - total);
      if (total + n > part.length) {
        const grown = new Uint8Array(Math.min(size, Math.max(total + n, 2 * part.length)));
        grown.set(part.subarray(0, total));
        part = grown;
      }
      part.set(n === chunk.length ? chunk : chunk.subarray(0, n), total);
      total += n;
      return n;
    };
    if (carry) {
      // a chunk longer than a part leaves a carry longer than one too
      const n = append(carry);
      if (n < carry.length) return { part, done: false, carry: carry.subarray(n) };
    }
    while (total < size) {
      const { done, value } = await reader.read();
      if (done) return { part: part.subarray(0, total), done: true, carry: null };
      const n = append(value);
      if (n < value.length) return { part, done: false, carry: value.slice(n) };
    }
    return { part, done: false, carry: null };
  }

  async #putOnce(key: string, bytes: Uint8Array, options: PutOptions): Promise<PutResult> {
    const onlyIf = this.#conditions(key, options);
    const res = await this.#bucket.put(key, bytes, { ...writeOptions(options), ...(onlyIf ? { onlyIf } : {}) });
    if (!res) throw new PreconditionFailedError(key, options.ifNoneMatch === '*' ? 'blob already exists' : 'ETag does not match');
    return { etag: etagOf(res) };
  }

  /** Uploads `first` and the rest of `reader` in equal parts; aborts on any failure. */
  async #multipart(key: string, first: Part, reader: ReadableStreamDefaultReader<Uint8Array>, options: PutOptions): Promise<PutResult> {
    const upload = await this.#bucket.createMultipartUpload(key, writeOptions(options));
    const parts: { partNumber: number; etag: string }[] = [];
    try {
      let next: Part = first;
      for (;;) {
        // An empty last part (the body was a whole number of parts) is not uploaded.
        if (next.part.length > 0) parts.push(await upload.uploadPart(parts.length + 1, next.part));
        if (next.done) break;
        next = await this.#readPart(reader, next.carry);
      }
      return { etag: etagOf(await upload.complete(parts)) };
    } catch (err) {
      await upload.abort().catch(() => undefined);
      await reader.cancel(err).catch(() => undefined);
      throw err;
    }
  }

  #conditions(key: string, o: { ifMatch?: string; ifNoneMatch?: '*' }): R2ConditionalLike | undefined {
    if (o.ifNoneMatch === '*') return { etagDoesNotMatch: '*' };
    if (o.ifMatch === undefined) return undefined;
    const r2 = r2EtagOf(o.ifMatch);
    if (r2 === null) throw new PreconditionFailedError(key, 'ETag does not match');
    return { etagMatches: r2 };
  }

  async delete(key: string, options: DeleteOptions = {}): Promise<boolean> {
    return this.#locks.run(key, async () => {
      const cur = await this.#bucket.head(key);
      if (options.ifMatch !== undefined) {
        if (!cur) throw new PreconditionFailedError(key, 'blob does not exist');
        if (r2EtagOf(options.ifMatch) === null || bareEtag(etagOf(cur)) !== bareEtag(options.ifMatch)) {
          throw new PreconditionFailedError(key, 'ETag does not match');
        }
      }
      if (!cur) return false;
      await this.#bucket.delete(key);
      return true;
    });
  }

  async list(prefix: string, options: ListOptions = {}): Promise<ListPage> {
    const res = await this.#bucket.list({
      prefix,
      limit: options.limit ?? DEFAULT_LIST_LIMIT,
      ...(options.cursor === undefined ? {} : { cursor: options.cursor }),
    });
    const items: ListItem[] = res.objects
      .filter((o) => !o.key.startsWith(STAGING_PREFIX))
      .map((o) => ({ key: o.key, size: o.size, etag: etagOf(o), lastModified: o.uploaded }));
    return res.truncated && res.cursor ? { items, cursor: res.cursor } : { items };
  }

  async copy(source: string, destination: string, options: CopyOptions = {}): Promise<PutResult> {
    return this.#copyFrom(source, destination, options);
  }

  /**
   * Staging objects a long conditional put left when its isolate died between upload and delete:
   * only the staging prefix is listed. (Incomplete multipart uploads are the bucket's business:
   * its lifecycle rule aborts them.)
   */
  async sweepTemporary(olderThan: Date): Promise<number> {
    const old: string[] = [];
    let cursor: string | undefined;
    do {
      const res = await this.#bucket.list({ prefix: STAGING_PREFIX, ...(cursor === undefined ? {} : { cursor }) });
      for (const o of res.objects) if (o.uploaded < olderThan) old.push(o.key);
      cursor = res.truncated ? res.cursor : undefined;
    } while (cursor !== undefined);
    for (let i = 0; i < old.length; i += 1000) await this.#bucket.delete(old.slice(i, i + 1000));
    return old.length;
  }

  /** get + streamed put of known length; metadata travels unless `override` names it. */
  async #copyFrom(source: string, destination: string, conditions: CopyOptions, override?: { contentType?: string; metadata?: Record<string, string> }): Promise<PutResult> {
    const src = await this.#bucket.get(source);
    if (!src) throw new BlobNotFoundError(source);
    if (!('body' in src)) throw new Error(`R2 returned no body for ${source}`);
    const meta = override ?? {
      ...(src.httpMetadata?.contentType === undefined ? {} : { contentType: src.httpMetadata.contentType }),
      metadata: { ...src.customMetadata },
    };
    let onlyIf: R2ConditionalLike | undefined;
    try {
      onlyIf = this.#conditions(destination, conditions);
    } catch (err) {
      await src.body.cancel();
      throw err;
    }
    const res = await this.#bucket.put(destination, knownLength(src.body, src.size), { ...writeOptions(meta), ...(onlyIf ? { onlyIf } : {}) });
    if (!res) throw new PreconditionFailedError(destination, conditions.ifNoneMatch === '*' ? 'blob already exists' : 'ETag does not match');
    return { etag: etagOf(res) };
  }
}

/** Give a stream a length R2 can see (workerd only); elsewhere the stream is passed as is. */
function knownLength(body: ReadableStream<Uint8Array>, size: number): ReadableStream<Uint8Array> {
  const Fixed = (globalThis as { FixedLengthStream?: FixedLengthStreamCtor }).FixedLengthStream;
  if (!Fixed) return body;
  const fixed = new Fixed(size);
  body.pipeTo(fixed.writable).catch(() => undefined);
  return fixed.readable;
}

/** A checked R2 store. */
export function createR2BlobStore(bucket: R2BucketLike, options?: R2BlobStoreOptions): BlobStore {
  return checkedStore(new R2BlobStore(bucket, options));
}
