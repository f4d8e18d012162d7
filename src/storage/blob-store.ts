/**
 * The blob storage contract every backend implements (memory, fs, Azure Blob; R2 later). Drivers are
 * dumb: bytes under keys, conditional writes, ranges, prefix listing. Everything domain-shaped
 * (layout, CAS loops, GC) lives above, and keys are built only by keys.ts.
 *
 * Only runtime-neutral types cross this boundary (Uint8Array, ReadableStream<Uint8Array>, Date), so
 * src/repo and src/http can use a store in Node, Azure Functions and workerd alike.
 *
 * Semantics shared by all stores (enforced by test/storage/blob-store.suite.ts):
 * - ETags are strong and returned in quoted form (`"…"`), ready for an HTTP `ETag` header. Options
 *   accept them quoted or bare; weak (`W/`) tags never match. Every successful write — including
 *   rewriting identical bytes — yields a new ETag.
 * - Conditional writes are the only concurrency primitive. `ifNoneMatch: '*'` is create-only;
 *   `ifMatch` is compare-and-swap. Either failing throws `PreconditionFailedError`; `ifMatch` on a
 *   missing blob fails too. Exactly one of N racing create-only writers wins.
 * - Writes are atomic: readers see the old blob or the whole new one, never a prefix. A body stream
 *   that errors leaves the key untouched.
 * - `get`/`head` of a missing key return null. `delete` is idempotent: a missing key returns false
 *   (an `ifMatch` delete of a missing key throws `PreconditionFailedError`, as in HTTP).
 * - Ranges: `offset` must be < size, else `RangeNotSatisfiableError` (so any range on an empty blob
 *   is unsatisfiable); `length` past the end is clamped. No suffix ranges: `head` first.
 * - `checkedStore` stores `application/octet-stream` when `put` names no content type, so every
 *   backend reports the same value (Azure would default it, fs/memory would not).
 * - `list` is flat, ordered by key (byte order), filtered by a plain string prefix. `cursor` is opaque;
 *   it is present only when more items may follow. A page may hold fewer than `limit` items (even
 *   none) while a cursor is returned — loop until the cursor is absent. Items carry key and
 *   last-modified time; size and ETag only where the backend lists them without reading each blob
 *   (object stores do; the fs store does not: its ETag lives inside the file, and a listing must
 *   not open every file it lists). Callers needing them `head` the key.
 */

export interface ByteRange {
  /** First byte, 0-based. Must be < size. */
  offset: number;
  /** Number of bytes (>= 1); omitted means "to the end". Clamped to the end of the blob. */
  length?: number;
}

export interface BlobInfo {
  key: string;
  /** Total size of the blob in bytes (not of the range). */
  size: number;
  /** Strong, quoted ETag. */
  etag: string;
  lastModified: Date;
  contentType?: string;
  /** User metadata as written (names lowercase). Empty object when none. */
  metadata: Record<string, string>;
}

export interface BlobObject extends BlobInfo {
  /** The bytes (of `range` when one was asked for). The caller must consume or cancel it. */
  body: ReadableStream<Uint8Array>;
  /** The bytes actually returned, when a range was requested (`length` already clamped). */
  range?: { offset: number; length: number };
}

export interface GetOptions {
  range?: ByteRange;
}

export interface GetBytesOptions extends GetOptions {
  /**
   * A buffer the caller lends for the read: when the bytes fit, they are read into it and the
   * result is a view of it (valid until the caller writes to or lends `into` again), so a reader
   * of many similar blobs reuses one allocation. When they do not fit, a new buffer is returned
   * (which may be larger than the bytes: the caller can lend it next time).
   */
  into?: Uint8Array;
}

export interface PutOptions {
  contentType?: string;
  /** Write only if the current ETag equals this one (compare-and-swap). */
  ifMatch?: string;
  /** `'*'`: write only if the key does not exist (create-only). */
  ifNoneMatch?: '*';
  /**
   * The blob need not survive a crash (a staged upload, read back and discarded by the request
   * that wrote it): a driver that flushes writes to stable storage may skip that for this one.
   * Everything else about the write (atomic, conditions, visible when the promise settles) holds.
   */
  scratch?: boolean;
  /**
   * Small user metadata. Names: `[a-z][a-z0-9_]{0,63}` (Azure requires C# identifiers); values:
   * printable ASCII; at most 4 KiB in total.
   */
  metadata?: Record<string, string>;
}

export interface PutResult {
  etag: string;
}

export interface DeleteOptions {
  ifMatch?: string;
}

export interface ListOptions {
  /** From a previous page's `cursor`. */
  cursor?: string;
  /** Page size, 1..1000 (default 1000). */
  limit?: number;
}

export interface ListItem {
  key: string;
  lastModified: Date;
  /** Present where the backend lists it for free (not the fs store). */
  size?: number;
  /** Present where the backend lists it for free (not the fs store). */
  etag?: string;
}

export interface ListPage {
  items: ListItem[];
  cursor?: string;
}

export interface CopyOptions {
  /** Conditions on the destination, as for `put`. */
  ifMatch?: string;
  ifNoneMatch?: '*';
}

export interface BlobStore {
  get(key: string, options?: GetOptions): Promise<BlobObject | null>;
  head(key: string): Promise<BlobInfo | null>;
  /**
   * Streams are consumed without holding the whole body in memory (memory store excepted). A
   * Uint8Array body must not be mutated until the promise settles.
   */
  put(key: string, body: Uint8Array | ReadableStream<Uint8Array>, options?: PutOptions): Promise<PutResult>;
  /** True when a blob was deleted, false when there was none. */
  delete(key: string, options?: DeleteOptions): Promise<boolean>;
  list(prefix: string, options?: ListOptions): Promise<ListPage>;
  /**
   * Server-side copy when the backend has one (content type and metadata travel with it). A missing
   * source throws `BlobNotFoundError`. Optional: callers fall back to get + put.
   */
  copy?(source: string, destination: string, options?: CopyOptions): Promise<PutResult>;
  /**
   * Deletes what interrupted writes of this driver left behind — residue invisible to list/get,
   * such as the fs store's temp files after a crash — when older than `olderThan`; returns how
   * many. It never touches a blob and costs in proportion to the residue, not to the store.
   * Optional: drivers whose backend expires such residue itself (Azure's uncommitted blocks)
   * leave it out. GC calls it with a grace period no write takes.
   */
  sweepTemporary?(olderThan: Date): Promise<number>;
  /**
   * The blob's bytes (of `range` when given, same rules as `get`) in one buffer, read without a
   * stream: for small blobs read whole (chunk-cache entries, index segments), where a stream's
   * per-chunk buffers are pure overhead. A range comes in a buffer of exactly its size (unless
   * read `into` a lent one); a whole blob may be a view that also spans a few bytes of the
   * driver's own framing. Null when the blob does not exist. Optional: callers fall back to `get`.
   */
  getBytes?(key: string, options?: GetBytesOptions): Promise<Uint8Array | null>;
}

/** Strip quotes so `"abc"` and `abc` compare equal; weak tags are returned as-is and never match. */
export function bareEtag(etag: string): string {
  return etag.length >= 2 && etag.startsWith('"') && etag.endsWith('"') ? etag.slice(1, -1) : etag;
}

export function quoteEtag(etag: string): string {
  return `"${bareEtag(etag)}"`;
}

/** Strong comparison per RFC 9110 §8.8.3.2: weak tags never match. */
export function etagMatches(current: string, wanted: string): boolean {
  if (current.startsWith('W/') || wanted.startsWith('W/')) return false;
  return bareEtag(current) === bareEtag(wanted);
}

export async function* listAll(store: BlobStore, prefix: string): AsyncGenerator<ListItem> {
  let cursor: string | undefined;
  do {
    const page = await store.list(prefix, cursor === undefined ? {} : { cursor });
    yield* page.items;
    cursor = page.cursor;
  } while (cursor !== undefined);
}

export { BlobNotFoundError, InvalidKeyError, InvalidStorageArgumentError, PreconditionFailedError,
  RangeNotSatisfiableError, StorageError, StorageFailureError, isStorageError } from './errors.js';
