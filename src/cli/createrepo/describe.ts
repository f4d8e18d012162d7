/**
 * Reading one package file for createrepo: its header model and the facts about the file
 * (SHA-256, size, mtime), or why it is left out. Pure of any scheduling: used in-process or
 * inside a reader thread (worker.ts).
 */
import type { PackageRecord } from '../../core/model.js';
import type { Platform } from '../../core/platform.js';
import { readRpm } from '../../core/rpm/index.js';
import { fileChunks } from './file-chunks.js';

export interface DescribeJob {
  path: string;
  href: string;
}

export interface LeftOut {
  kind: 'excluded' | 'failed';
  reason: string;
}

/** Read buffer per reader: a package header (rarely above 1 MiB) is then read in one piece. */
const SCRATCH_BYTES = 1 << 20;

/** Reads packages one after another, every file through one reused buffer. */
export class PackageReader {
  private readonly scratch = new Uint8Array(SCRATCH_BYTES);
  private readonly stat = { mtimeMs: 0 };

  constructor(private readonly platform: Platform) {}

  async read(job: DescribeJob): Promise<PackageRecord | LeftOut> {
    try {
      const result = await readRpm(fileChunks(job.path, this.scratch, this.stat), this.platform, {
        digests: 'file',
        transientChunks: true,
      });
      if (result.pkg.payloadFormat === 'drpm') return { kind: 'failed', reason: 'delta RPM (.drpm) is not a package' };
      return {
        pkg: result.pkg,
        sha256: result.computed.fileSha256,
        size: result.computed.fileSize,
        time: Math.floor(this.stat.mtimeMs / 1000),
        location: job.href,
      };
    } catch (e) {
      const err = e as { code?: string; message?: string };
      return { kind: 'failed', reason: err.code ? `${err.message} (${err.code})` : String(e) };
    }
  }
}
