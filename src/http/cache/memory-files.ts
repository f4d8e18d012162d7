/**
 * The Node server's file cache: the bytes of small immutable files in an LRU under a byte budget.
 * A cached copy is re-checked with `head` every `recheckMs`, so a file GC deleted is served from
 * memory at most that long; files larger than `maxFileBytes` are always streamed from the store.
 */
import type { BlobInfo, BlobStore } from '../../storage/blob-store.js';
import { blobSourceFrom, bytesSource } from '../serve-blob.js';
import { ByteLru } from './byte-lru.js';
import type { CachedSource, FileCache } from './file-cache.js';

export interface MemoryFileOptions {
  /** Total bytes of cached file contents; 0 disables file caching. */
  byteBudget: number;
  /** Files above this size are always streamed from the store. */
  maxFileBytes: number;
  /** How long a cached file is served before checking it still exists (GC). */
  recheckMs: number;
  now: () => number;
}

interface CachedFile {
  bytes: Uint8Array;
  etag: string;
  lastModified: Date;
  checkedAt: number;
}

export class MemoryFileCache implements FileCache {
  readonly #files: ByteLru<CachedFile>;
  readonly #loading = new Map<string, Promise<CachedFile | null>>();

  constructor(private readonly options: MemoryFileOptions) {
    this.#files = new ByteLru(options.byteBudget);
  }

  get bytesUsed(): number {
    return this.#files.bytesUsed;
  }

  now(key: string): CachedSource | undefined {
    const hit = this.#files.get(key);
    if (hit && this.options.now() - hit.checkedAt < this.options.recheckMs) return bytesSource(hit.bytes, hit.etag, hit.lastModified);
    return undefined;
  }

  async get(store: BlobStore, key: string): Promise<CachedSource | null> {
    const hit = this.#files.get(key);
    const now = this.options.now();
    if (hit && now - hit.checkedAt < this.options.recheckMs) return bytesSource(hit.bytes, hit.etag, hit.lastModified);
    const info = await store.head(key);
    if (!info) {
      this.#files.delete(key);
      return null;
    }
    if (hit && hit.etag === info.etag) {
      hit.checkedAt = now;
      return bytesSource(hit.bytes, hit.etag, hit.lastModified);
    }
    if (info.size > this.options.maxFileBytes || info.size > this.options.byteBudget) return blobSourceFrom(store, info);
    let loading = this.#loading.get(key);
    if (!loading) {
      loading = this.#load(store, info, now).finally(() => this.#loading.delete(key));
      this.#loading.set(key, loading);
    }
    const doc = await loading;
    return doc ? bytesSource(doc.bytes, doc.etag, doc.lastModified) : blobSourceFrom(store, info);
  }

  /** Reads a small blob whole; null when it changed or vanished meanwhile (then it is streamed). */
  async #load(store: BlobStore, info: BlobInfo, now: number): Promise<CachedFile | null> {
    const obj = await store.get(info.key);
    if (!obj) return null;
    if (obj.etag !== info.etag || obj.size !== info.size) {
      await obj.body.cancel();
      return null;
    }
    const bytes = new Uint8Array(obj.size);
    let n = 0;
    const reader = obj.body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (n + value.length > bytes.length) {
        await reader.cancel();
        return null;
      }
      bytes.set(value, n);
      n += value.length;
    }
    if (n !== bytes.length) return null;
    const doc: CachedFile = { bytes, etag: obj.etag, lastModified: obj.lastModified, checkedAt: now };
    this.#files.set(info.key, doc, bytes.length);
    return doc;
  }
}
