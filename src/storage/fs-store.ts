/**
 * File-system store: the embedded default (`berth serve` with a root directory).
 *
 * On disk: key `a/b/c` is the file `<root>/a/b/c@blob` (directories per segment). The `@blob` suffix
 * uses a character keys cannot contain, so key `a` (file `a@blob`) and key `a/b` (dir `a/`) coexist
 * as they do in object stores. Each file is self-describing so one rename publishes data and
 * metadata together:
 *
 *   "BERTHBL1" | u32 BE n | n bytes JSON {etag, contentType?, metadata} | body bytes
 *
 * Writes go into `<root>/.tmp/<uuid>` (streamed: never a whole large body in memory), are fsynced
 * (not a `scratch` one: a staged upload), then published: create-only by `link(tmp, target)`,
 * which fails with EEXIST atomically; everything else by `rename`, which atomically replaces (both
 * need the root on one file system). Readers open the file once and keep their inode, so they see
 * the old or the new blob, never a mix. Small blobs (≤ 64 KiB) are read and written without the
 * thread pool except for the fsync (fs-small-io.ts); listing is fs-list.ts.
 *
 * PRIVATE BY DEFAULT: directories are created 0700 and files 0600 (repo signing keys, the operator
 * credential's hash and private packages live here); `secureFsRoot` (fs-root.ts) checks the root at
 * the start of `berth serve`.
 *
 * ONE LOCK AUTHORITY PER ROOT: `ifMatch` (compare-then-rename) and `ifMatch` deletes are serialised
 * by a per-key lock, in-process by default. Processes sharing one root must share the lock runner
 * (`berth serve --workers N` passes one granted by its primary, adapters/node/cluster.ts); two
 * unrelated processes on one root can lose a CAS update. Create-only stays atomic across processes
 * (link). Run one Berth server per root, or use a real object store.
 *
 * Temp files left by a crash stay in `<root>/.tmp/`, invisible to list/get; `sweepTemporary`
 * deletes those older than a cutoff by reading that one directory (GC calls it with a grace
 * period far longer than any write). Empty directories are removed after delete.
 */
import { randomUUID } from 'node:crypto';
import { constants as fsc, linkSync, renameSync, rmdirSync, unlinkSync } from 'node:fs';
import { mkdir, open, unlink, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import type {
  BlobInfo, BlobObject, BlobStore, CopyOptions, DeleteOptions, GetBytesOptions, GetOptions, ListItem, ListOptions,
  ListPage, PutOptions, PutResult,
} from './blob-store.js';
import { etagMatches } from './blob-store.js';
import { checkedStore } from './checked-store.js';
import { DEFAULT_LIST_LIMIT, newEtag, resolveRange } from './driver-util.js';
import { BlobNotFoundError, PreconditionFailedError, StorageFailureError } from './errors.js';
import {
  bytesStream, encodeHeader, fileStream, headerFromBytes, readFully, readHeader, readProbed, SUFFIX, uninitialised, unlinkQuietly, writeAll,
  type Header, type Probed,
} from './fs-blob-file.js';
import { sweepTemp, walkKeys } from './fs-list.js';
import { readSmallSync, readWholeSync, SMALL_FILE, writeSmallTemp } from './fs-small-io.js';
import { KeyLocks } from './key-locks.js';

/** What a ranged getBytes reads first: the framing of any blob whose JSON header is short. */
const HEADER_PROBE = 512;
/** Where writes are staged: a name no key can have (segments start alphanumeric). */
export const TEMP_DIR = '.tmp';
/** Modes of everything the store creates: only the owner may read the data root. */
export const DIR_MODE = 0o700;
/** Directories remembered as existing before the set starts afresh. */
const KNOWN_DIRS = 4096;
export const FILE_MODE = 0o600;

const errno = (err: unknown): string | undefined => (err as { code?: string } | null)?.code;

/** Runs `fn` while holding the lock on `key` (KeyLocks in-process; a cluster-wide one in berth serve). */
export interface KeyLockRunner {
  run<T>(key: string, fn: () => Promise<T>): Promise<T>;
}

export class FsBlobStore implements BlobStore {
  readonly #root: string;
  readonly #locks: KeyLockRunner;
  /** Directories known to exist (made or found by this store), bounded: see #ensureDir. */
  readonly #dirs = new Set<string>();

  constructor(root: string, locks: KeyLockRunner = new KeyLocks()) {
    this.#root = path.resolve(root);
    this.#locks = locks;
  }

  #file(key: string): string {
    return path.join(this.#root, ...key.split('/')) + SUFFIX;
  }

  async get(key: string, options: GetOptions = {}): Promise<BlobObject | null> {
    // a small file is read whole at once (fs-small-io.ts), the body a view of it
    const small = readSmallSync(key, this.#file(key), SMALL_FILE, HEADER_PROBE);
    if (small === null) return null;
    if (small !== 'long-header') {
      const range = options.range ? resolveRange(key, small.info.size, options.range) : undefined;
      const start = small.bodyStart + (range?.offset ?? 0);
      const end = start + (range?.length ?? small.info.size);
      if (end <= small.probe.length) {
        const body = bytesStream(small.probe.subarray(start, end));
        return range ? { ...small.info, range, body } : { ...small.info, body };
      }
    }
    // a large file: streamed from a handle of its own (which sees one version of the file)
    const o = await this.#open(key, () => HEADER_PROBE);
    if (!o) return null;
    try {
      const range = options.range ? resolveRange(key, o.info.size, options.range) : undefined;
      const start = o.bodyStart + (range?.offset ?? 0);
      const body = fileStream(o.fh, start, range?.length ?? o.info.size);
      return range ? { ...o.info, range, body } : { ...o.info, body };
    } catch (err) {
      await o.fh.close();
      throw err;
    }
  }

  /**
   * No stream. A whole blob is one read of the whole file (framing and body) into one buffer —
   * `into` when it fits, so a reader of many entries allocates nothing per read — and the body is
   * a view of it: open, fstat, read, close. A range first reads the framing (a small probe), then
   * the range into a buffer of its exact size (or `into`).
   */
  async getBytes(key: string, options: GetBytesOptions = {}): Promise<Uint8Array | null> {
    if (!options.range) {
      const whole = readWholeSync(key, this.#file(key), options.into);
      if (whole !== 'large') return whole;
    }
    let fh: FileHandle;
    try {
      fh = await open(this.#file(key), fsc.O_RDONLY);
    } catch (err) {
      if (errno(err) === 'ENOENT' || errno(err) === 'ENOTDIR') return null;
      throw err;
    }
    try {
      const { size: fileSize } = await fh.stat();
      // a lent buffer too small: the new one gets headroom, as its caller is going to lend it again
      const lend = (n: number): Uint8Array => !options.into ? uninitialised(n)
        : options.into.length >= n ? options.into.subarray(0, n) : uninitialised(n, n >> 2).subarray(0, n);
      if (!options.range) {
        const whole = lend(fileSize);
        await readFully(fh, whole, 0);
        const parsed = headerFromBytes(key, whole, fileSize);
        if (!parsed) throw new StorageFailureError('read', key, { cause: new Error('not a Berth blob file (bad header)') });
        return whole.subarray(parsed.bodyStart);
      }
      const probe = new Uint8Array(Math.min(fileSize, HEADER_PROBE));
      const got = probe.length === 0 ? 0 : (await fh.read(probe, 0, probe.length, 0)).bytesRead;
      const parsed = headerFromBytes(key, probe.subarray(0, got), fileSize) ?? (await readHeader(key, fh));
      const range = resolveRange(key, fileSize - parsed.bodyStart, options.range);
      const out = lend(range.length);
      await readFully(fh, out, parsed.bodyStart + range.offset);
      return out;
    } finally {
      await fh.close();
    }
  }

  async head(key: string): Promise<BlobInfo | null> {
    const small = readSmallSync(key, this.#file(key), 0, HEADER_PROBE);
    if (small === null) return null;
    if (small !== 'long-header') return small.info;
    const o = await this.#open(key, () => HEADER_PROBE);
    if (!o) return null;
    await o.fh.close();
    return o.info;
  }

  async put(key: string, body: Uint8Array | ReadableStream<Uint8Array>, options: PutOptions = {}): Promise<PutResult> {
    const header: Header = { etag: newEtag(), metadata: { ...options.metadata } };
    if (options.contentType !== undefined) header.contentType = options.contentType;
    const target = this.#file(key);
    const tmp = await this.#writeTemp(header, body, options.scratch !== true);
    try {
      await this.#locks.run(key, async () => {
        if (options.ifNoneMatch === '*') {
          try {
            await this.#intoPlace(linkSync, tmp, target);
          } catch (err) {
            if (errno(err) === 'EEXIST') throw new PreconditionFailedError(key, 'blob already exists');
            throw err;
          }
          return;
        }
        if (options.ifMatch !== undefined) await this.#requireEtag(key, options.ifMatch);
        await this.#intoPlace(renameSync, tmp, target);
      });
    } catch (err) {
      unlinkQuietly(tmp);
      this.#prune(path.dirname(target));
      throw err;
    }
    // After a link (create-only) the temp name still points at the blob; after a rename it is gone.
    if (options.ifNoneMatch === '*') unlinkQuietly(tmp);
    return { etag: header.etag };
  }

  async delete(key: string, options: DeleteOptions = {}): Promise<boolean> {
    const target = this.#file(key);
    const deleted = await this.#locks.run(key, async () => {
      if (options.ifMatch !== undefined) await this.#requireEtag(key, options.ifMatch);
      try {
        unlinkSync(target);
        return true;
      } catch (err) {
        if (errno(err) === 'ENOENT') return false;
        throw err;
      }
    });
    this.#prune(path.dirname(target));
    return deleted;
  }

  async list(prefix: string, options: ListOptions = {}): Promise<ListPage> {
    const limit = options.limit ?? DEFAULT_LIST_LIMIT;
    const items: ListItem[] = [];
    for await (const item of walkKeys(this.#root, prefix, options.cursor)) {
      if (items.length === limit) {
        const last = items[items.length - 1] as ListItem;
        return { items, cursor: last.key };
      }
      items.push(item);
    }
    return { items };
  }

  /** Streams source to destination through a temp file; not server-side, but never buffered. */
  async copy(source: string, destination: string, options: CopyOptions = {}): Promise<PutResult> {
    const src = await this.get(source);
    if (!src) throw new BlobNotFoundError(source);
    const put: PutOptions = { ...options, metadata: src.metadata };
    if (src.contentType !== undefined) put.contentType = src.contentType;
    return this.put(destination, src.body, put);
  }

  async #requireEtag(key: string, wanted: string): Promise<void> {
    const info = await this.head(key);
    if (!info) throw new PreconditionFailedError(key, 'blob does not exist');
    if (!etagMatches(info.etag, wanted)) throw new PreconditionFailedError(key, 'ETag does not match');
  }

  /** The blob's file, opened, and its first bytes (`want(fileSize)` of them: see readProbed). */
  async #open(key: string, want: (fileSize: number) => number): Promise<Probed | null> {
    let fh: FileHandle;
    try {
      fh = await open(this.#file(key), fsc.O_RDONLY);
    } catch (err) {
      if (errno(err) === 'ENOENT' || errno(err) === 'ENOTDIR') return null;
      throw err;
    }
    try {
      return await readProbed(key, fh, want);
    } catch (err) {
      await fh.close();
      throw err;
    }
  }

  /**
   * Temp files (in TEMP_DIR) whose last write is older than `olderThan`: what a crash left.
   * Reads only that directory, never the blobs.
   */
  sweepTemporary(olderThan: Date): Promise<number> {
    return sweepTemp(path.join(this.#root, TEMP_DIR), olderThan);
  }

  /**
   * Creates `dir` (and its parents) unless this store already made or found it (a `mkdir -p`
   * costs system calls each time). A directory pruned since (a delete here, or another process on
   * the root) makes the write fail with ENOENT, and the caller retries with `force`.
   */
  async #ensureDir(dir: string, force: boolean): Promise<void> {
    if (!force && this.#dirs.has(dir)) return;
    await mkdir(dir, { recursive: true, mode: DIR_MODE });
    if (this.#dirs.size >= KNOWN_DIRS) this.#dirs.clear();
    this.#dirs.add(dir);
  }

  /** link or rename `tmp` to `target`, creating its directory (again, if a delete pruned it). */
  async #intoPlace(op: (from: string, to: string) => void, tmp: string, target: string): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      await this.#ensureDir(path.dirname(target), attempt > 0);
      try {
        op(tmp, target);
        return;
      } catch (err) {
        if (errno(err) !== 'ENOENT' || attempt >= 5) throw err;
      }
    }
  }

  async #writeTemp(header: Header, body: Uint8Array | ReadableStream<Uint8Array>, durable: boolean): Promise<string> {
    const dir = path.join(this.#root, TEMP_DIR);
    const tmp = path.join(dir, randomUUID());
    await this.#ensureDir(dir, false);
    // the framing goes with the first bytes of the body: one write for a small blob
    const framing = encodeHeader(header);
    // A small body (a stream is read up to SMALL_FILE to find out) is written synchronously.
    let small: Uint8Array[] | null = null;
    let prefix: Uint8Array[] = [framing];
    let rest: ReadableStreamDefaultReader<Uint8Array> | null = null;
    if (body instanceof Uint8Array) {
      if (body.length <= SMALL_FILE) small = [framing, body];
      else prefix = [framing, body];
    } else {
      rest = body.getReader();
      let n = 0;
      try {
        for (;;) {
          const { done, value } = await rest.read();
          if (done) {
            small = prefix;
            rest = null;
            break;
          }
          prefix.push(value);
          n += value.length;
          if (n > SMALL_FILE) break;
        }
      } catch (err) {
        await rest?.cancel(err).catch(() => undefined);
        throw err;
      }
    }
    if (small) {
      try {
        await writeSmallTemp(tmp, small, durable, FILE_MODE);
      } catch (err) {
        if (errno(err) !== 'ENOENT') throw err;
        await this.#ensureDir(dir, true);
        await writeSmallTemp(tmp, small, durable, FILE_MODE);
      }
      return tmp;
    }
    let fh: FileHandle;
    try {
      try {
        fh = await open(tmp, 'wx', FILE_MODE);
      } catch (err) {
        if (errno(err) !== 'ENOENT') throw err;
        await this.#ensureDir(dir, true);
        fh = await open(tmp, 'wx', FILE_MODE);
      }
    } catch (err) {
      await rest?.cancel(err).catch(() => undefined);
      throw err;
    }
    try {
      await writeAll(fh, prefix);
      if (rest) {
        const reader = rest;
        try {
          for (;;) {
            const { done, value } = await reader.read();
            if (done) break;
            await writeAll(fh, [value]);
          }
        } catch (err) {
          await reader.cancel(err).catch(() => undefined);
          throw err;
        }
      }
      if (durable) await fh.datasync();
      await fh.close();
      return tmp;
    } catch (err) {
      await fh.close().catch(() => undefined);
      await unlink(tmp).catch(() => undefined);
      throw err;
    }
  }

  /**
   * Remove empty directories from `dir` up to (not including) the root's own subdirectories
   * (`t/`, `uploads/`): those hold everything and would only be made again by the next write.
   */
  #prune(dir: string): void {
    for (let d = dir; d.startsWith(this.#root + path.sep) && path.dirname(d) !== this.#root; d = path.dirname(d)) {
      try {
        rmdirSync(d);
        this.#dirs.delete(d);
      } catch {
        return; // ENOTEMPTY, ENOENT, or a race with a writer: all mean "stop here".
      }
    }
  }
}

/** A checked fs store rooted at `root` (created on first write). */
export function createFsBlobStore(root: string, locks?: KeyLockRunner): BlobStore {
  return checkedStore(new FsBlobStore(root, locks));
}
