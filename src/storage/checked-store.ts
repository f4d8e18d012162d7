/**
 * `checkedStore(store)` — the one gate in front of every driver (distribution's base.Base): validates
 * keys and options before any I/O, and turns whatever a driver throws into the typed errors of
 * errors.ts, so drivers stay dumb and callers never see an SDK or errno error.
 *
 * Key grammar (one regex, KEY_PATTERN): `/`-separated segments of `[a-z0-9][a-z0-9._-]*`, no `..`
 * anywhere, no leading or trailing `/`, no empty segment, segments <= 200 chars, key <= 1024 chars.
 * Why so strict: lowercase only because macOS/Windows file systems fold case (two keys, one file);
 * segments start alphanumeric so `.`/`..` and the fs store's `.tmp-*` files can never be keys; 200
 * leaves room for the fs store's file suffix under NAME_MAX 255; 1024 is Azure's blob-name limit.
 */
import type {
  BlobInfo, BlobObject, BlobStore, ByteRange, CopyOptions, DeleteOptions, GetBytesOptions, GetOptions, ListOptions,
  ListPage, PutOptions, PutResult,
} from './blob-store.js';
import { InvalidKeyError, InvalidStorageArgumentError, StorageFailureError, isStorageError } from './errors.js';
import { directBodyOf, withDirectBody } from './direct-body.js';

export const MAX_KEY_LENGTH = 1024;
export const MAX_SEGMENT_LENGTH = 200;
export const MAX_LIST_LIMIT = 1000;
const SEGMENT = `[a-z0-9][a-z0-9._-]{0,${MAX_SEGMENT_LENGTH - 1}}`;
export const KEY_PATTERN = new RegExp(`^(?!.*\\.\\.)${SEGMENT}(?:/${SEGMENT})*$`);
const METADATA_NAME = /^[a-z][a-z0-9_]{0,63}$/;
const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;
const MAX_METADATA_BYTES = 4096;
export const DEFAULT_CONTENT_TYPE = 'application/octet-stream';

export function validateKey(key: string): void {
  if (typeof key !== 'string' || key.length === 0) throw new InvalidKeyError(String(key), 'empty');
  if (key.length > MAX_KEY_LENGTH) throw new InvalidKeyError(key, `longer than ${MAX_KEY_LENGTH} characters`);
  if (!KEY_PATTERN.test(key)) {
    throw new InvalidKeyError(key, 'segments must match [a-z0-9][a-z0-9._-]* (no "..", no empty or leading "/")');
  }
}

/** A prefix is '' or a key, optionally followed by one '/'. */
export function validatePrefix(prefix: string): void {
  if (prefix === '') return;
  validateKey(prefix.endsWith('/') ? prefix.slice(0, -1) : prefix);
}

function validateEtag(key: string, etag: string): void {
  if (etag.length === 0 || etag.length > 256 || !PRINTABLE_ASCII.test(etag)) {
    throw new InvalidStorageArgumentError(key, 'ETag must be 1-256 printable ASCII characters');
  }
}

function validateConditions(key: string, o: { ifMatch?: string; ifNoneMatch?: '*' }): void {
  if (o.ifMatch !== undefined) validateEtag(key, o.ifMatch);
  if (o.ifNoneMatch !== undefined && o.ifNoneMatch !== '*') {
    throw new InvalidStorageArgumentError(key, "ifNoneMatch only accepts '*'");
  }
  if (o.ifMatch !== undefined && o.ifNoneMatch !== undefined) {
    throw new InvalidStorageArgumentError(key, 'ifMatch and ifNoneMatch together can never succeed');
  }
}

function validateRange(key: string, range: ByteRange): void {
  if (!Number.isSafeInteger(range.offset) || range.offset < 0) {
    throw new InvalidStorageArgumentError(key, 'range offset must be a non-negative integer');
  }
  if (range.length !== undefined && (!Number.isSafeInteger(range.length) || range.length < 1)) {
    throw new InvalidStorageArgumentError(key, 'range length must be a positive integer');
  }
}

function validatePutOptions(key: string, o: PutOptions): void {
  validateConditions(key, o);
  if (o.contentType !== undefined && (o.contentType.length > 255 || !PRINTABLE_ASCII.test(o.contentType))) {
    throw new InvalidStorageArgumentError(key, 'contentType must be <= 255 printable ASCII characters');
  }
  if (o.metadata !== undefined) {
    let total = 0;
    for (const [name, value] of Object.entries(o.metadata)) {
      if (!METADATA_NAME.test(name)) throw new InvalidStorageArgumentError(key, `metadata name ${JSON.stringify(name)}`);
      if (typeof value !== 'string' || !PRINTABLE_ASCII.test(value)) {
        throw new InvalidStorageArgumentError(key, `metadata ${name} must be printable ASCII`);
      }
      total += name.length + value.length;
    }
    if (total > MAX_METADATA_BYTES) throw new InvalidStorageArgumentError(key, `metadata over ${MAX_METADATA_BYTES} bytes`);
  }
}

function normalise(op: string, key: string | undefined, err: unknown): Error {
  if (isStorageError(err)) return err;
  return new StorageFailureError(op, key, { cause: err });
}

/**
 * Driver read errors surface mid-stream; give them the same typed shape as call errors. A direct
 * reader of the driver's body (direct-body.ts) stays available, its errors typed the same way.
 */
function checkedBody(key: string, inner: ReadableStream<Uint8Array>): ReadableStream<Uint8Array> {
  const reader = inner.getReader();
  const direct = directBodyOf(inner);
  const out = new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const { done, value } = await reader.read();
        if (done) controller.close();
        else controller.enqueue(value);
      } catch (err) {
        controller.error(normalise('read', key, err));
      }
    },
    async cancel(reason) {
      await reader.cancel(reason);
    },
  }, { highWaterMark: 0 });
  if (direct === undefined) return out;
  return withDirectBody(out, {
    length: direct.length,
    read: (into, offset, length) => direct.read(into, offset, length).catch((err: unknown) => {
      throw normalise('read', key, err);
    }),
  });
}

/**
 * Remembers the error a caller's body stream raised, so put() rethrows the caller's own error
 * (e.g. "digest mismatch") rather than a driver's wrapper of it.
 */
function trackedBody(inner: ReadableStream<Uint8Array>): { body: ReadableStream<Uint8Array>; failure: () => unknown } {
  let failure: unknown;
  const reader = inner.getReader();
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const { done, value } = await reader.read();
        if (done) controller.close();
        else controller.enqueue(value);
      } catch (err) {
        failure = err ?? new Error('body stream failed');
        controller.error(err);
      }
    },
    async cancel(reason) {
      await reader.cancel(reason);
    },
  }, { highWaterMark: 0 });
  return { body, failure: () => failure };
}

class CheckedBlobStore implements BlobStore {
  readonly copy?: (source: string, destination: string, options?: CopyOptions) => Promise<PutResult>;
  readonly sweepTemporary?: (olderThan: Date) => Promise<number>;
  readonly getBytes?: (key: string, options?: GetBytesOptions) => Promise<Uint8Array | null>;

  constructor(private readonly inner: BlobStore) {
    if (inner.getBytes) {
      const innerGetBytes = inner.getBytes.bind(inner);
      this.getBytes = async (key, options = {}) => {
        validateKey(key);
        if (options.range) validateRange(key, options.range);
        try {
          return await innerGetBytes(key, options);
        } catch (err) {
          throw normalise('get', key, err);
        }
      };
    }
    if (inner.sweepTemporary) {
      const innerSweep = inner.sweepTemporary.bind(inner);
      this.sweepTemporary = async (olderThan) => {
        if (!(olderThan instanceof Date) || Number.isNaN(olderThan.getTime())) {
          throw new InvalidStorageArgumentError(undefined, 'sweepTemporary needs a valid Date');
        }
        try {
          return await innerSweep(olderThan);
        } catch (err) {
          throw normalise('sweep', undefined, err);
        }
      };
    }
    if (inner.copy) {
      const innerCopy = inner.copy.bind(inner);
      this.copy = async (source, destination, options = {}) => {
        validateKey(source);
        validateKey(destination);
        validateConditions(destination, options);
        try {
          return await innerCopy(source, destination, options);
        } catch (err) {
          throw normalise('copy', destination, err);
        }
      };
    }
  }

  async get(key: string, options: GetOptions = {}): Promise<BlobObject | null> {
    validateKey(key);
    if (options.range) validateRange(key, options.range);
    let obj: BlobObject | null;
    try {
      obj = await this.inner.get(key, options);
    } catch (err) {
      throw normalise('get', key, err);
    }
    return obj && { ...obj, body: checkedBody(key, obj.body) };
  }

  async head(key: string): Promise<BlobInfo | null> {
    validateKey(key);
    try {
      return await this.inner.head(key);
    } catch (err) {
      throw normalise('head', key, err);
    }
  }

  async put(key: string, body: Uint8Array | ReadableStream<Uint8Array>, options: PutOptions = {}): Promise<PutResult> {
    validateKey(key);
    validatePutOptions(key, options);
    // One default everywhere (Azure would otherwise answer application/octet-stream, fs/memory nothing).
    options = { ...options, contentType: options.contentType ?? DEFAULT_CONTENT_TYPE };
    if (body instanceof Uint8Array) {
      try {
        return await this.inner.put(key, body, options);
      } catch (err) {
        throw normalise('put', key, err);
      }
    }
    const tracked = trackedBody(body);
    try {
      return await this.inner.put(key, tracked.body, options);
    } catch (err) {
      const own = tracked.failure();
      if (own !== undefined) throw own;
      throw normalise('put', key, err);
    }
  }

  async delete(key: string, options: DeleteOptions = {}): Promise<boolean> {
    validateKey(key);
    validateConditions(key, options);
    try {
      return await this.inner.delete(key, options);
    } catch (err) {
      throw normalise('delete', key, err);
    }
  }

  async list(prefix: string, options: ListOptions = {}): Promise<ListPage> {
    validatePrefix(prefix);
    if (options.limit !== undefined && (!Number.isSafeInteger(options.limit) || options.limit < 1 || options.limit > MAX_LIST_LIMIT)) {
      throw new InvalidStorageArgumentError(undefined, `list limit must be 1..${MAX_LIST_LIMIT}`);
    }
    if (options.cursor !== undefined && (typeof options.cursor !== 'string' || options.cursor.length === 0)) {
      throw new InvalidStorageArgumentError(undefined, 'list cursor must be a non-empty string');
    }
    try {
      return await this.inner.list(prefix, options);
    } catch (err) {
      throw normalise('list', prefix || undefined, err);
    }
  }
}

/** Wrap a driver. Every store handed to the rest of Berth goes through this. */
export function checkedStore(store: BlobStore): BlobStore {
  return store instanceof CheckedBlobStore ? store : new CheckedBlobStore(store);
}
