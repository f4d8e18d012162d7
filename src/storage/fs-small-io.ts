/**
 * The fs store's small operations, done without the thread pool. Node runs every asynchronous
 * file-system call on its thread pool: the request is handed to a worker thread, which is woken,
 * makes the call, and wakes the event loop again. For the store's typical work — configs,
 * records, index objects, fragments, most of them well under 64 KiB and in the page cache — that
 * round trip costs far more CPU than the call (measured on 2 vCPUs: opens, reads and closes of
 * small files were about half of a publish's CPU, nearly all of it hand-over, not I/O). So:
 *
 * - reads of a small file (or of the framing of a large one) are `openSync`, `fstatSync`, one
 *   `readSync`, `closeSync`: microseconds from the page cache;
 * - a small write is made in its temp file with `openSync` and one `writevSync` (page cache),
 *   then flushed with one asynchronous `fdatasync` (the only call that waits for the disk, so the
 *   only one that stays on the pool), then linked or renamed into place synchronously.
 *
 * Large bodies (packages, metadata files) keep the asynchronous, streamed path: reading or
 * writing them could hold the event loop for as long as the disk takes. The file format and the
 * order of calls — hence every crash guarantee — are the same as the asynchronous path's.
 */
import { closeSync, constants as fsc, fdatasync, fstatSync, openSync, readSync, unlinkSync, writevSync } from 'node:fs';
import type { BlobInfo } from './blob-store.js';
import { headerFromBytes, uninitialised, type Header } from './fs-blob-file.js';

/** Bodies up to this size are read and written synchronously (plus an asynchronous flush). */
export const SMALL_FILE = 64 * 1024;
/** A whole-blob `getBytes` (chunk-cache entries) is read synchronously up to this size. */
export const SYNC_READ_MAX = 1024 * 1024;

const errno = (err: unknown): string | undefined => (err as { code?: string } | null)?.code;

export interface SmallRead {
  header: Header;
  bodyStart: number;
  info: BlobInfo;
  /** The file's first bytes: the framing, then the whole body when `fileSize <= whole`. */
  probe: Uint8Array;
  fileSize: number;
}

/** A descriptor of `file` opened for reading, or null when there is no such file. */
function openForReading(file: string): number | null {
  try {
    return openSync(file, fsc.O_RDONLY);
  } catch (err) {
    if (errno(err) === 'ENOENT' || errno(err) === 'ENOTDIR') return null;
    throw err;
  }
}

/**
 * The framing of the blob file `file` and, when the file is at most `whole` bytes, its whole
 * body; null when there is no such file; `'long-header'` when the framing did not fit in `probe`
 * bytes (the caller takes the asynchronous path).
 */
export function readSmallSync(key: string, file: string, whole: number, probeBytes: number): SmallRead | null | 'long-header' {
  const fd = openForReading(file);
  if (fd === null) return null;
  try {
    const st = fstatSync(fd);
    const n = Math.min(st.size, st.size <= whole ? st.size : probeBytes);
    const probe = uninitialised(n);
    let got = 0;
    while (got < n) {
      const r = readSync(fd, probe, got, n - got, got);
      if (r === 0) break;
      got += r;
    }
    const parsed = headerFromBytes(key, probe.subarray(0, got), st.size);
    if (!parsed) return 'long-header';
    const { header, bodyStart } = parsed;
    const info: BlobInfo = {
      key, size: st.size - bodyStart, etag: header.etag, lastModified: st.mtime, metadata: { ...header.metadata },
    };
    if (header.contentType !== undefined) info.contentType = header.contentType;
    return { header, bodyStart, info, probe: probe.subarray(0, got), fileSize: st.size };
  } finally {
    closeSync(fd);
  }
}

/**
 * A whole blob's body (`into` when it fits, else a new buffer with headroom), read synchronously;
 * null when there is no such file; `'large'` when the file is over SYNC_READ_MAX.
 */
export function readWholeSync(key: string, file: string, into: Uint8Array | undefined): Uint8Array | null | 'large' {
  const fd = openForReading(file);
  if (fd === null) return null;
  try {
    const size = fstatSync(fd).size;
    if (size > SYNC_READ_MAX) return 'large';
    const whole = !into ? uninitialised(size) : into.length >= size ? into.subarray(0, size) : uninitialised(size, size >> 2).subarray(0, size);
    for (let got = 0; got < size;) {
      const r = readSync(fd, whole, got, size - got, got);
      if (r === 0) throw new Error('file shrank while reading');
      got += r;
    }
    const parsed = headerFromBytes(key, whole, size);
    if (!parsed) return 'large'; // a framing this long never happens; the asynchronous path reports it
    return whole.subarray(parsed.bodyStart);
  } finally {
    closeSync(fd);
  }
}

/** Writes `chunks` in order at the file's position (one writev unless the kernel took less). */
function writeAllSync(fd: number, chunks: Uint8Array[]): void {
  const rest = chunks.filter((c) => c.length > 0);
  while (rest.length > 0) {
    let n = writevSync(fd, rest);
    if (n === 0) throw new Error('write made no progress');
    while (rest.length > 0 && n >= (rest[0] as Uint8Array).length) n -= (rest.shift() as Uint8Array).length;
    if (rest.length > 0 && n > 0) rest[0] = (rest[0] as Uint8Array).subarray(n);
  }
}

const flush = (fd: number): Promise<void> => new Promise((resolve, reject) => fdatasync(fd, (err) => (err ? reject(err) : resolve())));

/**
 * The temp file `tmp` (created, never replaced) holding `chunks`, flushed to the disk unless
 * `durable` is false. Throws ENOENT when its directory is missing; leaves nothing on failure.
 */
export async function writeSmallTemp(tmp: string, chunks: Uint8Array[], durable: boolean, mode: number): Promise<void> {
  const fd = openSync(tmp, 'wx', mode);
  try {
    writeAllSync(fd, chunks);
    if (durable) await flush(fd);
  } catch (err) {
    closeSync(fd);
    try {
      unlinkSync(tmp);
    } catch {
      // already gone
    }
    throw err;
  }
  closeSync(fd);
}
