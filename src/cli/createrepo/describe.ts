/**
 * One package file → its three repodata fragments, or why it is left out. Pure of any
 * scheduling: run in-process or inside a worker thread (worker.ts).
 */
import { statSync } from 'node:fs';
import type { PackageRecord } from '../../core/model.js';
import type { Platform } from '../../core/platform.js';
import { readRpm } from '../../core/rpm/index.js';
import { fragments, isExcluded } from '../../core/repodata/fragments.js';
import { fileChunks } from './file-chunks.js';

export interface Fragments {
  primary: string;
  filelists: string;
  other: string;
}

export type Outcome =
  | { kind: 'ok'; fragments: Fragments; time: number; reused: boolean }
  | { kind: 'excluded' | 'failed'; reason: string };

export interface DescribeJob {
  path: string;
  href: string;
}

export async function describePackage(job: DescribeJob, platform: Platform, changelogLimit: number): Promise<Outcome> {
  try {
    // sync: see file-chunks.ts — a thread-pool round trip costs more than the stat
    const st = statSync(job.path);
    const result = await readRpm(fileChunks(job.path), platform, { digests: 'file' });
    if (result.pkg.payloadFormat === 'drpm') return { kind: 'failed', reason: 'delta RPM (.drpm) is not a package' };
    const time = Math.floor(st.mtimeMs / 1000);
    const rec: PackageRecord = {
      pkg: result.pkg,
      sha256: result.computed.fileSha256,
      size: result.computed.fileSize,
      time,
      location: job.href,
    };
    const out = fragments(rec, { changelogLimit });
    if (isExcluded(out)) return { kind: 'excluded', reason: out.excluded.message };
    const { primary, filelists, other } = out;
    return { kind: 'ok', fragments: { primary, filelists, other }, time, reused: false };
  } catch (e) {
    const err = e as { code?: string; message?: string };
    return { kind: 'failed', reason: err.code ? `${err.message} (${err.code})` : String(e) };
  }
}
