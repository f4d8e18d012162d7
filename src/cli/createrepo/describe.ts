/**
 * Reading one package file for createrepo: its header model and the facts about the file
 * (SHA-256, size, mtime), or why it is left out. Pure of any scheduling: used in-process or
 * inside a reader thread (worker.ts). In-process, an I/O thread may read and hash the files
 * ahead of it (io-feed.ts): the reader then parses what that thread delivered.
 */
import { createHash, hash } from 'node:crypto';
import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';
import type { PackageRecord } from '../../core/model.js';
import type { Platform } from '../../core/platform.js';
import { readRpmNow, type ReadOptions, type RpmReadResult } from '../../core/rpm/index.js';
import type { IoFeed } from './io-feed.js';
import { packagePath } from './walk.js';

/** A package to read: its path relative to the reader's root, which is also its `location href`. */
export interface DescribeJob {
  href: string;
}

export interface LeftOut {
  kind: 'excluded' | 'failed';
  reason: string;
}

/** Read buffer per reader: most packages, and nearly every header, are read in one piece. */
const SCRATCH_BYTES = 1 << 20;

/**
 * Package files are opened without updating their access time where the system allows it
 * (Linux's O_NOATIME: only for files the user owns, else EPERM): on a `relatime` mount the
 * first read of a file whose access time is not newer than its modification time (a package
 * just copied or uploaded) otherwise writes its inode, ~2 µs a file on the reading thread and
 * a journal write per file later. Undefined where there is no such flag.
 */
const READ_NOATIME = constants.O_NOATIME === undefined ? null : constants.O_RDONLY | constants.O_NOATIME;

/**
 * readRpm hashes nothing here (`digests: 'none'`): the reader hashes the file's bytes itself,
 * natively and in one call when the file fits the buffer. So a reader thread never loads the
 * platform adapter (zlib and the rest).
 */
const NO_HASHING: Platform = {
  createHash() {
    throw new Error('the createrepo reader hashes files itself');
  },
  compress() {
    return Promise.reject(new Error('the createrepo reader does not compress'));
  },
  decompress() {
    throw new Error('the createrepo reader does not decompress');
  },
};

/** readRpm's options: the reader never uses the header bytes (parsed in place) nor verifies signatures. */
function readOptions(changelogLimit: number): ReadOptions {
  return { digests: 'none', signatures: false, transientChunks: true, transientHeader: true, changelogLimit };
}

/**
 * Reads packages one after another, every file through one reused buffer, or takes them from
 * `feed` (an I/O thread that read and hashed them): then `read` must be called for the jobs of
 * the feed's pass, in its order.
 */
export class PackageReader {
  private scratch: Uint8Array | null = null;
  private mtimeMs = 0;
  private sha256 = '';
  private options = readOptions(-1);
  private flags: number | 'r' = READ_NOATIME ?? 'r';

  /** `root`: the repository directory the jobs' hrefs are relative to. */
  constructor(
    private readonly root: string,
    private readonly feed: IoFeed | null = null,
  ) {}

  /**
   * `changelogLimit`: changelog entries the writer keeps (the others are not decoded); default
   * all. Without a feed, a package read synchronously comes back without a promise.
   */
  read(job: DescribeJob, changelogLimit = -1): PackageRecord | LeftOut | Promise<PackageRecord | LeftOut> {
    if (this.options.changelogLimit !== changelogLimit) this.options = readOptions(changelogLimit);
    return this.feed === null ? this.readFile(job) : this.readFed(job);
  }

  private async readFed(job: DescribeJob): Promise<PackageRecord | LeftOut> {
    const file = await this.feed!.next();
    if (file === null) return this.readFile(job);
    try {
      const chunks = file.bytes.length > 0 ? [file.bytes] : [];
      const result = await readRpmNow(chunks, NO_HASHING, this.options);
      if (result.pkg.payloadFormat === 'drpm') return { kind: 'failed', reason: 'delta RPM (.drpm) is not a package' };
      return { pkg: result.pkg, sha256: file.sha256, size: file.size, time: Math.floor(file.mtimeMs / 1000), location: job.href };
    } catch (e) {
      // the headers go on beyond the prefix the thread delivered: read the whole file here;
      // else the reason is the one reading the file here gives (the bytes are the same)
      if (file.prefix) {
        this.feed!.free();
        this.feed!.stats.reread++;
        return this.readFile(job);
      }
      return failure(e);
    } finally {
      this.feed!.free();
    }
  }

  /** Reads the file on this thread (without a promise when it was read synchronously). */
  private readFile(job: DescribeJob): PackageRecord | LeftOut | Promise<PackageRecord | LeftOut> {
    try {
      const got = readRpmNow(this.chunks(packagePath(this.root, job.href)), NO_HASHING, this.options);
      return got instanceof Promise ? got.then((r) => this.record(r, job), failure) : this.record(got, job);
    } catch (e) {
      return failure(e);
    }
  }

  private record(result: RpmReadResult, job: DescribeJob): PackageRecord | LeftOut {
    if (result.pkg.payloadFormat === 'drpm') return { kind: 'failed', reason: 'delta RPM (.drpm) is not a package' };
    return {
      pkg: result.pkg,
      sha256: this.sha256,
      size: result.computed.fileSize,
      time: Math.floor(this.mtimeMs / 1000),
      location: job.href,
    };
  }

  /**
   * Opens `path` for reading: with O_NOATIME until a file refuses it (EPERM: one the user does
   * not own), then plainly for the rest of the run (a repository's files have one owner).
   */
  private open(path: string): number {
    if (this.flags !== 'r') {
      try {
        return openSync(path, this.flags);
      } catch (e) {
        if ((e as { code?: string }).code !== 'EPERM') throw e;
        this.flags = 'r';
      }
    }
    return openSync(path, 'r');
  }

  /**
   * The file's bytes, chunk by chunk, all read into the one buffer (so a chunk is valid only
   * until the next: readRpm's `transientChunks`), synchronously: createrepo reads thousands of
   * small files back to back, and a thread-pool round trip per open/stat/read/close cost more
   * than the reads themselves. Sets `mtimeMs`, and `sha256` once the file is read to the end.
   */
  private *chunks(path: string): Generator<Uint8Array> {
    const fd = this.open(path);
    try {
      const st = fstatSync(fd);
      this.mtimeMs = st.mtimeMs;
      this.sha256 = '';
      const buf = (this.scratch ??= new Uint8Array(SCRATCH_BYTES));
      if (st.size <= buf.length) {
        const got = readSync(fd, buf, 0, st.size, 0);
        const bytes = buf.subarray(0, got);
        this.sha256 = hash('sha256', bytes, 'hex');
        if (got > 0) yield bytes;
        return;
      }
      const h = createHash('sha256');
      for (let position = 0; position < st.size; ) {
        const got = readSync(fd, buf, 0, Math.min(buf.length, st.size - position), position);
        if (got === 0) break;
        position += got;
        const bytes = buf.subarray(0, got);
        h.update(bytes);
        yield bytes;
      }
      this.sha256 = h.digest('hex');
    } finally {
      closeSync(fd);
    }
  }
}

function failure(e: unknown): LeftOut {
  const err = e as { code?: string; message?: string };
  return { kind: 'failed', reason: err.code ? `${err.message} (${err.code})` : String(e) };
}
