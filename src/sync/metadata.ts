/**
 * What `berth sync` needs of repomd.xml and primary.xml — which files a repo consists of and the
 * checksum and size each must have — through the one repodata reader (src/core/repodata/read):
 * streaming, bounded, gz/zstd by suffix. primary.xml is read package by package, so memory stays
 * bounded by one `<package>` element however big the repo is.
 */
import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import type { Platform } from '../core/platform.js';
import { isRepodataReadError } from '../core/repodata/read/errors.js';
import { metadataText } from '../core/repodata/read/metadata-text.js';
import { primaryPackages as readPrimary } from '../core/repodata/read/primary.js';
import { readRepomd } from '../core/repodata/read/repomd.js';
import { DEFAULT_OUTBOUND_LIMITS } from '../net/limits.js';
import { SyncError } from './errors.js';

export interface Checksum {
  /** Node hash name: sha256, sha1, sha512, … (`sha` in metadata means sha1). */
  type: string;
  value: string;
}

export interface RepomdRecord {
  type: string;
  href: string;
  checksum: Checksum;
  size?: number;
}

export interface Repomd {
  revision: string | null;
  records: RepomdRecord[];
}

export interface PrimaryPackage {
  href: string;
  /** `xml:base` of the location, when the package lives elsewhere. */
  base?: string;
  checksum: Checksum;
  size: number;
}

export function checksumType(t: string): string {
  const lower = t.toLowerCase();
  return lower === 'sha' ? 'sha1' : lower;
}

const SUPPORTED = new Set(['md5', 'sha1', 'sha224', 'sha256', 'sha384', 'sha512']);

function checksumOf(c: { type: string; value: string }, what: string): Checksum {
  const type = checksumType(c.type);
  if (!SUPPORTED.has(type)) throw new SyncError('sync.bad-metadata', `${what}: unsupported checksum type ${JSON.stringify(c.type)}`);
  return { type, value: c.value };
}

const badMetadata = (e: unknown, what: string): unknown =>
  isRepodataReadError(e) ? new SyncError('sync.bad-metadata', `${what}: ${e.message} (${e.code})`, { cause: e }) : e;

export function parseRepomd(xml: string): Repomd {
  let doc;
  try {
    doc = readRepomd(xml);
  } catch (e) {
    throw badMetadata(e, 'repomd.xml');
  }
  const records = doc.entries.map((r): RepomdRecord => {
    if (r.base !== null) throw new SyncError('sync.bad-metadata', `repomd.xml: ${r.type} has xml:base (metadata elsewhere is not supported)`);
    return { type: r.type, href: r.href, checksum: checksumOf(r.checksum, `repomd.xml ${r.type}`), ...(r.size !== null ? { size: r.size } : {}) };
  });
  if (!records.some((r) => r.type === 'primary')) throw new SyncError('sync.bad-metadata', 'repomd.xml has no primary record');
  return { revision: doc.revision, records };
}

/** Every package of a (local) primary.xml[.gz|.zst], in file order. */
export async function* primaryPackages(path: string, platform: Platform): AsyncGenerator<PrimaryPackage> {
  const file = Readable.toWeb(createReadStream(path)) as unknown as ReadableStream<Uint8Array>;
  const text = metadataText(file, path, platform, { maxBytes: DEFAULT_OUTBOUND_LIMITS.maxXmlBytes });
  try {
    for await (const p of readPrimary(text, { limits: { maxElementChars: DEFAULT_OUTBOUND_LIMITS.maxXmlElementBytes } })) {
      yield { href: p.href, ...(p.base !== null ? { base: p.base } : {}), checksum: checksumOf(p.checksum, `primary.xml ${p.href}`), size: p.size };
    }
  } catch (e) {
    throw badMetadata(e, `cannot read ${path}`);
  }
}
