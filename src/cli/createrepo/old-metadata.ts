/**
 * `--update` support: stream the fragments of an existing repodata/ back out, package by
 * package, in file order. createrepo_c and Berth both write packages sorted by file name then
 * path, so the old and the new package lists can be merge-joined without holding either
 * metadata set in memory: memory stays bounded by one package's fragments.
 */
import { createReadStream, existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createGunzip } from 'node:zlib';
import { packageElements } from '../../core/repodata/package-elements.js';
import { zstdFrameTexts } from '../../sync/zstd-frames.js';
import type { Readable } from 'node:stream';

export interface OldPackage {
  href: string;
  size: number;
  time: number;
  primary: string;
  filelists: string;
  other: string;
}

/** Fragments keep the line break after each element, as they are written back out verbatim. */
const CLOSE = '</package>\n';

/** The decompressed text of a metadata file, chosen by suffix as libsolv does. */
function open(path: string): AsyncIterable<string> {
  if (path.endsWith('.zst')) return zstdFrameTexts(path);
  const raw = createReadStream(path);
  const stream: Readable = path.endsWith('.gz') ? raw.pipe(createGunzip()) : raw;
  return stream.setEncoding('utf8');
}

/** The metadata file hrefs listed in repomd.xml, by type. */
async function locations(root: string): Promise<Record<string, string>> {
  const xml = await readFile(join(root, 'repodata', 'repomd.xml'), 'utf8');
  const out: Record<string, string> = {};
  for (const m of xml.matchAll(/<data type="([^"]+)">[\s\S]*?<location href="([^"]+)"/g)) {
    out[m[1]!] = m[2]!;
  }
  return out;
}

function attr(xml: string, re: RegExp): string | undefined {
  return re.exec(xml)?.[1];
}

function decodeHref(s: string): string {
  return s.replace(/&(amp|lt|gt|quot|#9|#10|#13);/g, (_, e: string) =>
    ({ amp: '&', lt: '<', gt: '>', quot: '"', '#9': '\t', '#10': '\n', '#13': '\r' })[e] ?? '',
  );
}

/**
 * Old packages in file order, or nothing when there is no readable previous repodata.
 * Fragments of the three files are matched by pkgid; a package missing from any file is skipped.
 */
export async function* oldPackages(root: string): AsyncGenerator<OldPackage> {
  if (!existsSync(join(root, 'repodata', 'repomd.xml'))) return;
  const loc = await locations(root);
  if (!loc.primary || !loc.filelists || !loc.other) return;
  const primary = packageElements(open(join(root, loc.primary)), CLOSE);
  const filelists = packageElements(open(join(root, loc.filelists)), CLOSE);
  const other = packageElements(open(join(root, loc.other)), CLOSE);
  for await (const p of primary) {
    const pkgid = attr(p, /<checksum type="[^"]+" pkgid="YES">([^<]+)</);
    const f = (await filelists.next()).value;
    const o = (await other.next()).value;
    if (!pkgid || !f || !o) return;
    if (attr(f, /pkgid="([^"]+)"/) !== pkgid || attr(o, /pkgid="([^"]+)"/) !== pkgid) return;
    const href = attr(p, /<location (?:xml:base="[^"]*" )?href="([^"]*)"/);
    const size = attr(p, /<size package="(\d+)"/);
    const time = attr(p, /<time file="(\d+)"/);
    if (href === undefined || size === undefined || time === undefined) continue;
    yield { href: decodeHref(href), size: Number(size), time: Number(time), primary: p, filelists: f, other: o };
  }
}

/** href → size and time of every package in the old primary.xml (small: no fragments kept). */
export async function oldPrimaryIndex(root: string): Promise<Map<string, { size: number; time: number }>> {
  const index = new Map<string, { size: number; time: number }>();
  for await (const p of oldPackages(root)) index.set(p.href, { size: p.size, time: p.time });
  return index;
}
