/**
 * `--update` support: stream the fragments of an existing repodata/ back out, package by
 * package, in file order, through the one repodata reader (src/core/repodata/read). createrepo_c
 * and Berth both write packages sorted by file name then path, so the old and the new package
 * lists can be merge-joined without holding either metadata set in memory: memory stays bounded
 * by one package's fragments. Every file opened is closed when the walk ends, early or not.
 */
import { createReadStream, existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline, Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import type { Platform } from '../../core/platform.js';
import { isRepodataReadError, RepodataReadError } from '../../core/repodata/read/errors.js';
import { codecOf, metadataBytes, metadataText } from '../../core/repodata/read/metadata-text.js';
import { packageElements, type PackageElement } from '../../core/repodata/read/packages.js';
import { readRepomd } from '../../core/repodata/read/repomd.js';
import { NotFast, scanPackages, type ScannedPackage } from './old-elements.js';

export interface OldPackage {
  href: string;
  size: number;
  time: number;
  /** Each file's element, verbatim, with the line break after it (as it is written back out). */
  primary: Uint8Array;
  filelists: Uint8Array;
  other: Uint8Array;
}

// old metadata is our own output (or createrepo_c's): generous bounds, still bounds
const MAX_ELEMENT = 256 * 1024 * 1024;
const MAX_TOKEN = 64 * 1024 * 1024;

/** Most decompressed bytes read from one old metadata file (as the repodata reader's default). */
const MAX_BYTES = 4 * 1024 ** 3;
const CHUNK = 256 * 1024;

/**
 * A file's bytes, decompressed, bounded like the repodata reader's (metadata-text.ts); the file is
 * closed when this ends. gzip through Node's zlib directly: a quarter of the CPU time of the same
 * through web streams. zstd (many frames: Node's decompressor stops after the first) and plain
 * files through the repodata reader's own byte source.
 */
async function* bytesOf(path: string, platform: Platform): AsyncGenerator<Uint8Array> {
  const codec = codecOf(path);
  const file = createReadStream(path, { highWaterMark: CHUNK });
  const closed = new Promise<void>((resolve) => file.once('close', () => resolve()));
  const out: AsyncIterable<Uint8Array> = codec === 'gz'
    ? pipeline(file, createGunzip({ chunkSize: CHUNK }), () => undefined)
    : metadataBytes(Readable.toWeb(file) as unknown as ReadableStream<Uint8Array>, path, platform, { maxBytes: MAX_BYTES });
  let bytes = 0;
  try {
    for await (const chunk of out) {
      bytes += chunk.length;
      if (bytes > MAX_BYTES) throw new RepodataReadError('xml_limit', `${path} decompresses to more than ${MAX_BYTES} bytes`);
      yield chunk;
    }
  } catch (e) {
    if (isRepodataReadError(e)) throw e;
    throw new RepodataReadError('invalid_compression', `cannot read ${path}: ${(e as Error).message}`);
  } finally {
    if (out instanceof Readable) out.destroy();
    else await (out as AsyncGenerator<Uint8Array>).return(undefined);
    file.destroy();
    await closed;
  }
}

const encoder = new TextEncoder();

/** The full reader's element as the scanner gives it (the same fields). */
function scanned(el: PackageElement, primary: boolean): ScannedPackage {
  const bytes = encoder.encode(`${el.raw ?? ''}\n`);
  if (!primary) return { bytes, pkgid: el.attrs['pkgid'] };
  const sum = el.children.get('checksum');
  return {
    bytes,
    pkgid: sum?.attrs['pkgid'] === 'YES' ? sum.text.trim() : undefined,
    href: el.children.get('location')?.attrs['href'],
    size: el.children.get('size')?.attrs['package'],
    time: el.children.get('time')?.attrs['file'],
  };
}

/**
 * An old metadata file's `<package>` elements, verbatim: through the byte scanner
 * (old-elements.ts) while the file stays in the subset it accepts, then — from the element where
 * it stopped — through the one repodata reader (src/core/repodata/read), which reads any
 * well-formed metadata within its bounds and refuses the rest.
 */
async function* elementsOf(path: string, platform: Platform, primary: boolean): AsyncGenerator<ScannedPackage> {
  let done = 0;
  try {
    for await (const el of scanPackages(bytesOf(path, platform), primary, { maxElementBytes: MAX_ELEMENT, maxDepth: 64, maxAttributes: 256 })) {
      done++;
      yield el;
    }
    return;
  } catch (e) {
    if (!(e instanceof NotFast)) throw e;
  }
  const stream = createReadStream(path);
  const closed = new Promise<void>((resolve) => stream.once('close', () => resolve()));
  try {
    const file = Readable.toWeb(stream) as unknown as ReadableStream<Uint8Array>;
    const elements = packageElements(metadataText(file, path, platform), {
      raw: true, children: ['checksum', 'location', 'size', 'time'], text: ['checksum'],
      limits: { maxElementChars: MAX_ELEMENT, maxTokenChars: MAX_TOKEN },
    });
    let skip = done;
    for await (const el of elements) {
      if (skip > 0) skip--;
      else yield scanned(el, primary);
    }
  } finally {
    stream.destroy();
    await closed;
  }
}

/** The metadata file hrefs listed in repomd.xml, by type. */
async function locations(root: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const r of readRepomd(await readFile(join(root, 'repodata', 'repomd.xml'), 'utf8')).entries) out[r.type] ??= r.href;
  return out;
}

/** The three old metadata files, or null when there is no readable previous repodata. */
async function oldFiles(root: string): Promise<{ primary: string; filelists: string; other: string } | null> {
  if (!existsSync(join(root, 'repodata', 'repomd.xml'))) return null;
  const loc = await locations(root).catch(() => null);
  if (!loc?.primary || !loc.filelists || !loc.other) return null;
  return { primary: join(root, loc.primary), filelists: join(root, loc.filelists), other: join(root, loc.other) };
}

const count = (s: string | undefined): number | null => (s !== undefined && /^\d+$/.test(s) ? Number(s) : null);

/**
 * Old packages in file order, or nothing when there is no readable previous repodata.
 * Fragments of the three files are matched by pkgid; a package missing from any file, or old
 * metadata that cannot be read (broken, or over a bound), ends the walk: nothing after it is
 * reused, those packages are read again.
 */
export async function* oldPackages(root: string, platform: Platform): AsyncGenerator<OldPackage> {
  const files = await oldFiles(root);
  if (!files) return;
  const primary = elementsOf(files.primary, platform, true);
  const filelists = elementsOf(files.filelists, platform, false);
  const other = elementsOf(files.other, platform, false);
  try {
    for await (const p of primary) {
      const f = (await filelists.next()).value;
      const o = (await other.next()).value;
      if (!p.pkgid || !f || !o) return;
      if (f.pkgid !== p.pkgid || o.pkgid !== p.pkgid) return;
      const size = count(p.size);
      const time = count(p.time);
      if (p.href === undefined || size === null || time === null) continue;
      yield { href: p.href, size, time, primary: p.bytes, filelists: f.bytes, other: o.bytes };
    }
  } catch {
    // broken old metadata: the walk ends here
  } finally {
    await Promise.all([primary.return(undefined), filelists.return(undefined), other.return(undefined)]);
  }
}

/**
 * What the index looks for in each `<package>` of primary.xml, as Berth and createrepo_c write it:
 * `<time file>`, `<size package>`, `<location href>`, one after the other.
 */
const INDEXED = /<time file="(\d+)"[^<>]*>\s*<size package="(\d+)"[^<>]*>\s*<location (?:xml:base="[^"<>]*" )?href="([^"<>]*)"/g;
const latin1 = new TextDecoder('latin1');
const ENTITY: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

/** An href as found in the bytes (latin1) → its text: UTF-8, references replaced. */
function hrefOf(raw: string): string {
  const text = /[\x80-\xff]/.test(raw) ? Buffer.from(raw, 'latin1').toString('utf8') : raw;
  return text.replace(/&(#x[0-9a-fA-F]{1,6}|#\d{1,7}|amp|lt|gt|quot|apos);/g, (_, r: string) =>
    r[0] !== '#' ? ENTITY[r]! : String.fromCodePoint(Math.min(0x10ffff, r[1] === 'x' ? parseInt(r.slice(2), 16) : parseInt(r.slice(1), 10))));
}

/**
 * href → size and time of the packages in the old primary.xml (small: no fragments kept). A
 * hint only, found by a pattern without checking the XML: a package it lists is not read again
 * when its file is unchanged, and is reused only when the checked walk (oldPackages) gives it
 * with the same href, size and time; any other is read again.
 */
export async function oldPrimaryIndex(root: string, platform: Platform): Promise<Map<string, { size: number; time: number }>> {
  const index = new Map<string, { size: number; time: number }>();
  const files = await oldFiles(root);
  if (!files) return index;
  let carry = '';
  try {
    for await (const chunk of bytesOf(files.primary, platform)) {
      const text = carry + latin1.decode(chunk);
      const end = text.lastIndexOf('</package>');
      const done = end < 0 ? 0 : end + '</package>'.length;
      for (const m of text.slice(0, done).matchAll(INDEXED)) index.set(hrefOf(m[3]!), { size: Number(m[2]), time: Number(m[1]) });
      carry = text.slice(done);
      if (carry.length > MAX_ELEMENT) break;
    }
  } catch {
    // broken old metadata: what follows is read again
  }
  return index;
}
