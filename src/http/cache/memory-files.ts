/**
 * The Node server's file cache: the bytes of small immutable files in an LRU under a byte budget,
 * and what `head` said of larger ones (their size, ETag and date, never their bytes). A cached
 * entry is re-checked with `head` every `recheckMs`, so a file GC deleted is served from memory
 * at most that long; files larger than `maxFileBytes` are always streamed from the store — with
 * their entry fresh, by one `get` and no `head` first.
 */
import { fillExactly } from '../../core/streams.js';
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
  /** How many large files' `head` answers are kept (default 4,096; 0: none). */
  maxStreamedEntries?: number;
}

interface CachedFile {
  /** One source per entry, so its response header records are built once (serve-blob.ts). */
  source: CachedSource;
  etag: string;
  checkedAt: number;
}

/** Roughly what an entry without bytes costs (key, info, source): how the LRU weighs it. */
const STREAMED_ENTRY_BYTES = 512;

export class MemoryFileCache implements FileCache {
  readonly #files: ByteLru<CachedFile>;
  /** Large files: their head, so serving them costs one store call. */
  readonly #streamed: ByteLru<CachedFile>;
  readonly #loading = new Map<string, Promise<CachedFile | null>>();

  constructor(private readonly options: MemoryFileOptions) {
    this.#files = new ByteLru(options.byteBudget);
    this.#streamed = new ByteLru((options.maxStreamedEntries ?? 4096) * STREAMED_ENTRY_BYTES);
  }

  get bytesUsed(): number {
    return this.#files.bytesUsed;
  }

  now(key: string): CachedSource | undefined {
    const hit = this.#files.get(key);
    if (hit && this.options.now() - hit.checkedAt < this.options.recheckMs) return hit.source;
    return undefined;
  }

  async get(store: BlobStore, key: string): Promise<CachedSource | null> {
    const now = this.options.now();
    const hit = this.#files.get(key);
    if (hit && now - hit.checkedAt < this.options.recheckMs) return hit.source;
    const streamed = this.#streamed.get(key);
    if (streamed && now - streamed.checkedAt < this.options.recheckMs) return streamed.source;
    const info = await store.head(key);
    if (!info) {
      this.#files.delete(key);
      this.#streamed.delete(key);
      return null;
    }
    const known = hit ?? streamed;
    if (known && known.etag === info.etag) {
      known.checkedAt = now;
      return known.source;
    }
    if (info.size > this.options.maxFileBytes || info.size > this.options.byteBudget) return this.#keepStreamed(store, info, now);
    let loading = this.#loading.get(key);
    if (!loading) {
      loading = this.#load(store, info, now).finally(() => this.#loading.delete(key));
      this.#loading.set(key, loading);
    }
    const doc = await loading;
    return doc ? doc.source : blobSourceFrom(store, info);
  }

  /** A source streamed from the store, its head kept (when the options allow) for `recheckMs`. */
  #keepStreamed(store: BlobStore, info: BlobInfo, now: number): CachedSource {
    const source = blobSourceFrom(store, info);
    if (this.options.recheckMs > 0) this.#streamed.set(info.key, { source, etag: info.etag, checkedAt: now }, STREAMED_ENTRY_BYTES);
    return source;
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
    if (!(await fillExactly(obj.body, bytes))) return null;
    const doc: CachedFile = { source: bytesSource(bytes, obj.etag, obj.lastModified), etag: obj.etag, checkedAt: now };
    this.#files.set(info.key, doc, bytes.length);
    return doc;
  }
}
