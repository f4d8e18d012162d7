/**
 * `--groupfile FILE` (createrepo_c's `-g`): the comps document goes into repodata/ twice, as
 * createrepo_c 0.17 writes it — `<sha256>-comps.xml` as it is (repomd type `group`, no open
 * checksum) and `<sha256>-comps.xml.gz` (type `group_gz`, with the open checksum and size). Both
 * are streamed: read, hashed and compressed without holding the document in memory.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { rename, stat } from 'node:fs/promises';
import { basename, isAbsolute, join } from 'node:path';
import { Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { createHash, type Hash } from 'node:crypto';
import type { RepomdRecord } from '../../core/repodata/repomd.js';
import { CliError } from '../command.js';

/** createrepo_c reads a relative groupfile inside DIR; Berth takes it from the working directory first. */
export async function resolveGroupfile(root: string, path: string): Promise<string> {
  const candidates = isAbsolute(path) ? [path] : [path, join(root, path)];
  for (const c of candidates) {
    const s = await stat(c).catch(() => null);
    if (s?.isFile()) {
      if (s.size === 0) throw new CliError(`--groupfile ${path} is empty`, 2);
      return c;
    }
  }
  throw new CliError(`--groupfile ${path}: no such file${isAbsolute(path) ? '' : ` (looked in the working directory and in ${root})`}`, 2);
}

class Counting extends Transform {
  bytes = 0;
  constructor(private readonly hash: Hash) {
    super();
  }
  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.bytes += chunk.length;
    this.hash.update(chunk);
    done(null, chunk);
  }
}

/** Writes the group files into `work` (the new repodata/) and returns their repomd records. */
export async function writeGroupfile(source: string, work: string, timestamp: number): Promise<{ records: RepomdRecord[]; files: string[] }> {
  const base = basename(source).replace(/\.gz$/, '') || 'comps.xml';
  const openHash = createHash('sha256');
  const plain = new Counting(openHash);
  const plainTmp = join(work, `.group-${process.pid}`);
  await pipeline(createReadStream(source), plain, createWriteStream(plainTmp, { mode: 0o644 }));
  const openChecksum = openHash.digest('hex');

  const gzHash = createHash('sha256');
  const packed = new Counting(gzHash);
  const gzTmp = join(work, `.group-gz-${process.pid}`);
  await pipeline(createReadStream(plainTmp), createGzip({ level: 6 }), packed, createWriteStream(gzTmp, { mode: 0o644 }));
  const checksum = gzHash.digest('hex');

  const plainName = `${openChecksum}-${base}`;
  const gzName = `${checksum}-${base}.gz`;
  await rename(plainTmp, join(work, plainName));
  await rename(gzTmp, join(work, gzName));
  return {
    files: [`repodata/${plainName}`, `repodata/${gzName}`],
    records: [
      { type: 'group', checksum: openChecksum, location: `repodata/${plainName}`, timestamp, size: plain.bytes },
      { type: 'group_gz', checksum, openChecksum, location: `repodata/${gzName}`, timestamp, size: packed.bytes, openSize: plain.bytes },
    ],
  };
}
