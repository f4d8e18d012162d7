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
import { Readable } from 'node:stream';
import type { Platform } from '../../core/platform.js';
import { metadataBytes, metadataText } from '../../core/repodata/read/metadata-text.js';
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

/** A file's bytes, decompressed; the file is closed when this ends. */
async function* bytesOf(path: string, platform: Platform): AsyncGenerator<Uint8Array> {
  const stream = createReadStream(path, { highWaterMark: 256 * 1024 });
  const closed = new Promise<void>((resolve) => stream.once('close', () => resolve()));
  try {
    yield* metadataBytes(Readable.toWeb(stream) as unknown as ReadableStream<Uint8Array>, path, platform);
  } finally {
    stream.destroy();
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
 * href → size and time of every package in the old primary.xml (small: no fragments kept), up to
 * where it cannot be read.
 */
export async function oldPrimaryIndex(root: string, platform: Platform): Promise<Map<string, { size: number; time: number }>> {
  const index = new Map<string, { size: number; time: number }>();
  const files = await oldFiles(root);
  if (!files) return index;
  try {
    for await (const p of elementsOf(files.primary, platform, true)) {
      const size = count(p.size);
      const time = count(p.time);
      if (p.pkgid && p.href !== undefined && size !== null && time !== null) index.set(p.href, { size, time });
    }
  } catch {
    // broken old metadata: what follows is read again
  }
  return index;
}
