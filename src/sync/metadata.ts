/**
 * Just enough of repomd.xml and primary.xml for syncing: which files a repo consists of and
 * the checksum and size each must have. primary.xml is streamed package by package (gz, zst or
 * plain), so memory stays bounded by one `<package>` element however big the repo is.
 */
import { createReadStream } from 'node:fs';
import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { zstdFrameTexts } from './zstd-frames.js';
import { decodeXml, packageElements } from '../core/repodata/package-elements.js';
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

function attrs(tag: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of tag.matchAll(/([A-Za-z_:][\w:.-]*)\s*=\s*(?:"([^"]*)"|'([^']*)')/g)) out[m[1] as string] = decodeXml(m[2] ?? m[3] ?? '');
  return out;
}

export function checksumType(t: string): string {
  const lower = t.toLowerCase();
  return lower === 'sha' ? 'sha1' : lower;
}

const SUPPORTED = new Set(['md5', 'sha1', 'sha224', 'sha256', 'sha384', 'sha512']);

function checksumOf(type: string | undefined, value: string | undefined, what: string): Checksum {
  const t = checksumType(type ?? '');
  if (!SUPPORTED.has(t)) throw new SyncError('sync.bad-metadata', `${what}: unsupported checksum type ${JSON.stringify(type ?? '')}`);
  if (!value || !/^[0-9a-fA-F]+$/.test(value.trim())) throw new SyncError('sync.bad-metadata', `${what}: missing or malformed checksum`);
  return { type: t, value: value.trim().toLowerCase() };
}

export function parseRepomd(xml: string): Repomd {
  if (!/<repomd[\s>]/.test(xml)) throw new SyncError('sync.bad-metadata', 'repomd.xml has no <repomd> element');
  const revision = /<revision>([^<]*)<\/revision>/.exec(xml)?.[1]?.trim() ?? null;
  const records: RepomdRecord[] = [];
  for (const m of xml.matchAll(/<data\b([^>]*)>([\s\S]*?)<\/data>/g)) {
    const type = attrs(m[1] ?? '')['type'] ?? '';
    const body = m[2] ?? '';
    const loc = /<location\b([^>]*)\/?>/.exec(body);
    const href = loc ? attrs(loc[1] ?? '')['href'] : undefined;
    if (!type || !href) throw new SyncError('sync.bad-metadata', `repomd.xml: a <data> record without type or location (${type || '?'})`);
    if (loc && attrs(loc[1] ?? '')['xml:base']) throw new SyncError('sync.bad-metadata', `repomd.xml: ${type} has xml:base (metadata elsewhere is not supported)`);
    const sum = /<checksum\b([^>]*)>([^<]*)<\/checksum>/.exec(body);
    const size = /<size>(\d+)<\/size>/.exec(body)?.[1];
    records.push({
      type, href, checksum: checksumOf(attrs(sum?.[1] ?? '')['type'], sum?.[2], `repomd.xml ${type}`),
      ...(size !== undefined ? { size: Number(size) } : {}),
    });
  }
  if (!records.some((r) => r.type === 'primary')) throw new SyncError('sync.bad-metadata', 'repomd.xml has no primary record');
  return { revision, records };
}

function textOf(path: string): AsyncIterable<string> {
  if (path.endsWith('.zst')) return zstdFrameTexts(path);
  if (/\.(xz|bz2|zck)$/.test(path)) throw new SyncError('sync.bad-metadata', `cannot read ${path}: only gz, zst or plain primary.xml is supported`);
  const raw = createReadStream(path);
  const stream: Readable = path.endsWith('.gz') ? raw.pipe(createGunzip()) : raw;
  return stream.setEncoding('utf8');
}

function packageOf(el: string): PrimaryPackage {
  const loc = /<location\b([^>]*)\/?>/.exec(el);
  const la = attrs(loc?.[1] ?? '');
  const sum = /<checksum\b([^>]*)>([^<]*)<\/checksum>/.exec(el);
  const size = /<size\b([^>]*)\/?>/.exec(el);
  const pkgSize = attrs(size?.[1] ?? '')['package'];
  const href = la['href'];
  if (!href || pkgSize === undefined || !/^\d+$/.test(pkgSize)) throw new SyncError('sync.bad-metadata', `primary.xml: a package without location or size (${href ?? '?'})`);
  return {
    href, ...(la['xml:base'] ? { base: la['xml:base'] } : {}),
    checksum: checksumOf(attrs(sum?.[1] ?? '')['type'], sum?.[2], `primary.xml ${href}`), size: Number(pkgSize),
  };
}

/** Every package of a (local) primary.xml[.gz|.zst], in file order. */
export async function* primaryPackages(path: string): AsyncGenerator<PrimaryPackage> {
  try {
    for await (const el of packageElements(textOf(path))) yield packageOf(el);
  } catch (e) {
    if (e instanceof SyncError) throw e;
    throw new SyncError('sync.bad-metadata', `cannot read ${path}: ${(e as Error).message}`, { cause: e });
  }
}
