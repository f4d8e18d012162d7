/**
 * In-memory store for tests and dev runs. Runtime-neutral (runs in workerd too). It necessarily holds
 * every body in memory, including streamed ones — the only store exempt from "never buffer a body".
 * Conditions are checked after the body is fully read, in the same synchronous step as the write,
 * which makes them atomic on a single JS thread.
 */
import type {
  BlobInfo, BlobObject, BlobStore, CopyOptions, DeleteOptions, GetBytesOptions, GetOptions, ListOptions, ListPage,
  PutOptions, PutResult,
} from './blob-store.js';
import { concatBytes } from '../core/bytes.js';
import { etagMatches } from './blob-store.js';
import { checkedStore } from './checked-store.js';
import { BlobNotFoundError, PreconditionFailedError } from './errors.js';
import { DEFAULT_LIST_LIMIT, bytesToStream, newEtag, pageOf, resolveRange } from './driver-util.js';

interface Entry {
  bytes: Uint8Array;
  etag: string;
  lastModified: Date;
  contentType?: string;
  metadata: Record<string, string>;
}

export class MemoryBlobStore implements BlobStore {
  readonly #blobs = new Map<string, Entry>();

  async get(key: string, options: GetOptions = {}): Promise<BlobObject | null> {
    const e = this.#blobs.get(key);
    if (!e) return null;
    const info = this.#info(key, e);
    if (!options.range) return { ...info, body: bytesToStream(e.bytes) };
    const range = resolveRange(key, e.bytes.length, options.range);
    return { ...info, range, body: bytesToStream(e.bytes.subarray(range.offset, range.offset + range.length)) };
  }

  async getBytes(key: string, options: GetBytesOptions = {}): Promise<Uint8Array | null> {
    const e = this.#blobs.get(key);
    if (!e) return null;
    const range = options.range ? resolveRange(key, e.bytes.length, options.range) : { offset: 0, length: e.bytes.length };
    const bytes = e.bytes.subarray(range.offset, range.offset + range.length);
    if (options.into && options.into.length >= bytes.length) {
      options.into.set(bytes);
      return options.into.subarray(0, bytes.length);
    }
    return bytes.slice();
  }

  async head(key: string): Promise<BlobInfo | null> {
    const e = this.#blobs.get(key);
    return e ? this.#info(key, e) : null;
  }

  async put(key: string, body: Uint8Array | ReadableStream<Uint8Array>, options: PutOptions = {}): Promise<PutResult> {
    const bytes = body instanceof Uint8Array ? body.slice() : await collect(body);
    this.#check(key, options);
    const entry: Entry = { bytes, etag: newEtag(), lastModified: new Date(), metadata: { ...options.metadata } };
    if (options.contentType !== undefined) entry.contentType = options.contentType;
    this.#blobs.set(key, entry);
    return { etag: entry.etag };
  }

  async delete(key: string, options: DeleteOptions = {}): Promise<boolean> {
    const e = this.#blobs.get(key);
    if (options.ifMatch !== undefined && (!e || !etagMatches(e.etag, options.ifMatch))) {
      throw new PreconditionFailedError(key, e ? 'ETag does not match' : 'blob does not exist');
    }
    return this.#blobs.delete(key);
  }

  async list(prefix: string, options: ListOptions = {}): Promise<ListPage> {
    const keys = [...this.#blobs.keys()].filter((k) => k.startsWith(prefix)).sort();
    const items = keys.map((key) => {
      const e = this.#blobs.get(key) as Entry;
      return { key, size: e.bytes.length, etag: e.etag, lastModified: e.lastModified };
    });
    return pageOf(items, options.cursor, options.limit ?? DEFAULT_LIST_LIMIT);
  }

  async copy(source: string, destination: string, options: CopyOptions = {}): Promise<PutResult> {
    const src = this.#blobs.get(source);
    if (!src) throw new BlobNotFoundError(source);
    this.#check(destination, options);
    const entry: Entry = { ...src, metadata: { ...src.metadata }, etag: newEtag(), lastModified: new Date() };
    this.#blobs.set(destination, entry);
    return { etag: entry.etag };
  }

  #check(key: string, o: { ifMatch?: string; ifNoneMatch?: '*' }): void {
    const current = this.#blobs.get(key);
    if (o.ifNoneMatch === '*' && current) throw new PreconditionFailedError(key, 'blob already exists');
    if (o.ifMatch !== undefined) {
      if (!current) throw new PreconditionFailedError(key, 'blob does not exist');
      if (!etagMatches(current.etag, o.ifMatch)) throw new PreconditionFailedError(key, 'ETag does not match');
    }
  }

  #info(key: string, e: Entry): BlobInfo {
    const info: BlobInfo = { key, size: e.bytes.length, etag: e.etag, lastModified: e.lastModified, metadata: { ...e.metadata } };
    if (e.contentType !== undefined) info.contentType = e.contentType;
    return info;
  }
}

async function collect(stream: ReadableStream<Uint8Array>): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  const reader = stream.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value.slice());
  }
  return concatBytes(chunks);
}

/** A checked in-memory store (the usual way to get one). */
export function createMemoryBlobStore(): BlobStore {
  return checkedStore(new MemoryBlobStore());
}
