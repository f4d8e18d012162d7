import { BerthError } from '../core/errors.js';

/**
 * Storage errors. Every driver throws exactly these (the `checkedStore` wrapper converts anything
 * else into `StorageFailureError`), so callers branch on `code`, never on an SDK's error shape.
 * The HTTP layer maps codes to statuses: not_found 404, precondition 412, invalid_key 400, range 416.
 */
export class StorageError extends BerthError {
  override name = 'StorageError';
  /** The key the operation was about, when there was one. Keys hold no secrets. */
  readonly key: string | undefined;
  constructor(code: string, message: string, key?: string, options?: { cause?: unknown }) {
    super(code, message, options);
    this.key = key;
  }
}

/** The blob does not exist (copy source, or a read that must not return null). */
export class BlobNotFoundError extends StorageError {
  override name = 'BlobNotFoundError';
  static readonly CODE = 'blob_not_found';
  constructor(key: string, options?: { cause?: unknown }) {
    super(BlobNotFoundError.CODE, `blob not found: ${key}`, key, options);
  }
}

/**
 * A conditional write or delete lost: `ifMatch` named an ETag that is not current (or the blob is
 * gone), or `ifNoneMatch: '*'` found the key already taken. Re-read and retry, or give up.
 */
export class PreconditionFailedError extends StorageError {
  override name = 'PreconditionFailedError';
  static readonly CODE = 'precondition_failed';
  constructor(key: string, detail: string, options?: { cause?: unknown }) {
    super(PreconditionFailedError.CODE, `precondition failed for ${key}: ${detail}`, key, options);
  }
}

/** The key (or prefix) breaks the key grammar in checked-store.ts. */
export class InvalidKeyError extends StorageError {
  override name = 'InvalidKeyError';
  static readonly CODE = 'invalid_key';
  constructor(key: string, reason: string) {
    super(InvalidKeyError.CODE, `invalid storage key ${JSON.stringify(key.slice(0, 200))}: ${reason}`, key);
  }
}

/** Options that no store accepts: a malformed range, metadata, content type or list limit. */
export class InvalidStorageArgumentError extends StorageError {
  override name = 'InvalidStorageArgumentError';
  static readonly CODE = 'invalid_storage_argument';
  constructor(key: string | undefined, reason: string) {
    super(InvalidStorageArgumentError.CODE, `invalid storage argument${key ? ` for ${key}` : ''}: ${reason}`, key);
  }
}

/** The requested range starts at or past the end of the blob (HTTP 416). */
export class RangeNotSatisfiableError extends StorageError {
  override name = 'RangeNotSatisfiableError';
  static readonly CODE = 'range_not_satisfiable';
  /** Total size of the blob, for a `Content-Range: bytes *\/size` answer. */
  readonly size: number;
  constructor(key: string, offset: number, size: number) {
    super(RangeNotSatisfiableError.CODE, `range starting at ${offset} is past the end of ${key} (${size} bytes)`, key);
    this.size = size;
  }
}

/** The backend failed in a way the caller cannot fix (I/O error, network, throttling after retries). */
export class StorageFailureError extends StorageError {
  override name = 'StorageFailureError';
  static readonly CODE = 'storage_failure';
  constructor(op: string, key: string | undefined, options?: { cause?: unknown }) {
    const why = options?.cause instanceof Error ? `: ${options.cause.message}` : '';
    super(StorageFailureError.CODE, `storage ${op} failed${key ? ` for ${key}` : ''}${why}`, key, options);
  }
}

/** Cross-realm check (bundles and runtimes may hold two copies of these classes). */
export function isStorageError(err: unknown, code?: string): err is StorageError {
  if (typeof err !== 'object' || err === null) return false;
  const e = err as { isBerthError?: unknown; code?: unknown };
  if (e.isBerthError !== true || typeof e.code !== 'string') return false;
  return code === undefined ? STORAGE_CODES.has(e.code) : e.code === code;
}

const STORAGE_CODES = new Set([
  BlobNotFoundError.CODE,
  PreconditionFailedError.CODE,
  InvalidKeyError.CODE,
  InvalidStorageArgumentError.CODE,
  RangeNotSatisfiableError.CODE,
  StorageFailureError.CODE,
]);
