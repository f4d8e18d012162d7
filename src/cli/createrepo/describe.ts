/**
 * Reading one package file for createrepo: its header model and the facts about the file
 * (SHA-256, size, mtime), or why it is left out. Pure of any scheduling: used in-process or
 * inside a reader thread (worker.ts).
 */
import { createHash, hash } from 'node:crypto';
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import type { PackageRecord } from '../../core/model.js';
import type { Platform } from '../../core/platform.js';
import { readRpm } from '../../core/rpm/index.js';
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

/** Reads packages one after another, every file through one reused buffer. */
export class PackageReader {
  private readonly scratch = new Uint8Array(SCRATCH_BYTES);
  private mtimeMs = 0;
  private sha256 = '';

  /** `root`: the repository directory the jobs' hrefs are relative to. */
  constructor(private readonly root: string) {}

  async read(job: DescribeJob): Promise<PackageRecord | LeftOut> {
    try {
      const result = await readRpm(this.chunks(packagePath(this.root, job.href)), NO_HASHING, { digests: 'none', transientChunks: true });
      if (result.pkg.payloadFormat === 'drpm') return { kind: 'failed', reason: 'delta RPM (.drpm) is not a package' };
      return {
        pkg: result.pkg,
        sha256: this.sha256,
        size: result.computed.fileSize,
        time: Math.floor(this.mtimeMs / 1000),
        location: job.href,
      };
    } catch (e) {
      const err = e as { code?: string; message?: string };
      return { kind: 'failed', reason: err.code ? `${err.message} (${err.code})` : String(e) };
    }
  }

  /**
   * The file's bytes, chunk by chunk, all read into the one buffer (so a chunk is valid only
   * until the next: readRpm's `transientChunks`), synchronously: createrepo reads thousands of
   * small files back to back, and a thread-pool round trip per open/stat/read/close cost more
   * than the reads themselves. Sets `mtimeMs`, and `sha256` once the file is read to the end.
   */
  private *chunks(path: string): Generator<Uint8Array> {
    const fd = openSync(path, 'r');
    try {
      const st = fstatSync(fd);
      this.mtimeMs = st.mtimeMs;
      this.sha256 = '';
      const buf = this.scratch;
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
