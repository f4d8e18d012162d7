/**
 * Where the dnf read path keeps immutable files (checksum-named repodata, package blobs): the one
 * thing about serving that differs by runtime. The Node server keeps small ones in memory
 * (memory-files.ts); the Worker keeps them in the Cache API (src/adapters/cloudflare); without a
 * cache every request streams from the store. Files are immutable by key, so a cached copy is
 * never wrong, only possibly deleted by GC since (each cache bounds how long it can outlive that).
 */
import type { BlobStore } from '../../storage/blob-store.js';
import { blobSource, type ByteSourceInfo } from '../serve-blob.js';

/** A servable file, with response headers that say how the cache answered (if it says). */
export interface CachedSource extends ByteSourceInfo {
  headers?: Record<string, string>;
}

/** The request a file is served for: a cache may pass on ranges, and fill itself after answering. */
export interface FileRequest {
  request: Request;
  /** Keeps work alive after the response (a Worker's `ctx.waitUntil`); absent on Node. */
  waitUntil?: (p: Promise<unknown>) => void;
}

export interface FileCache {
  /** The file, when it can be answered in this very turn (from memory); undefined otherwise. */
  now(key: string): CachedSource | undefined;
  /** A source for the immutable blob at `key`; null when it does not exist. */
  get(store: BlobStore, key: string, req?: FileRequest): Promise<CachedSource | null>;
  /** Bytes held in process memory (diagnostics, tests). */
  readonly bytesUsed: number;
}

/** No cache: every request is served from the store. */
export const NO_FILE_CACHE: FileCache = {
  now: () => undefined,
  get: (store, key) => blobSource(store, key)(),
  bytesUsed: 0,
};
