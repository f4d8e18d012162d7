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
import { metadataText } from '../../core/repodata/read/metadata-text.js';
import { packageElements, type PackageElement } from '../../core/repodata/read/packages.js';
import { readRepomd } from '../../core/repodata/read/repomd.js';

export interface OldPackage {
  href: string;
  size: number;
  time: number;
  primary: string;
  filelists: string;
  other: string;
}

/** An old metadata file's `<package>` elements, verbatim; the file is closed when this ends. */
async function* elementsOf(path: string, platform: Platform): AsyncGenerator<PackageElement> {
  const stream = createReadStream(path);
  const closed = new Promise<void>((resolve) => stream.once('close', () => resolve()));
  try {
    const file = Readable.toWeb(stream) as unknown as ReadableStream<Uint8Array>;
    // old metadata is our own output (or createrepo_c's): generous bounds, still bounds
    yield* packageElements(metadataText(file, path, platform), {
      raw: true, children: ['checksum', 'location', 'size', 'time'], text: ['checksum'],
      limits: { maxElementChars: 256 * 1024 * 1024, maxTokenChars: 64 * 1024 * 1024 },
    });
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

/** Fragments keep the line break after each element, as they are written back out verbatim. */
const fragment = (el: PackageElement): string => `${el.raw ?? ''}\n`;

/**
 * Old packages in file order, or nothing when there is no readable previous repodata.
 * Fragments of the three files are matched by pkgid; a package missing from any file ends the
 * walk (nothing after it is reused).
 */
export async function* oldPackages(root: string, platform: Platform): AsyncGenerator<OldPackage> {
  if (!existsSync(join(root, 'repodata', 'repomd.xml'))) return;
  const loc = await locations(root);
  if (!loc.primary || !loc.filelists || !loc.other) return;
  const primary = elementsOf(join(root, loc.primary), platform);
  const filelists = elementsOf(join(root, loc.filelists), platform);
  const other = elementsOf(join(root, loc.other), platform);
  try {
    for await (const p of primary) {
      const sum = p.children.get('checksum');
      const pkgid = sum?.attrs['pkgid'] === 'YES' ? sum.text.trim() : undefined;
      const f = (await filelists.next()).value;
      const o = (await other.next()).value;
      if (!pkgid || !f || !o) return;
      if (f.attrs['pkgid'] !== pkgid || o.attrs['pkgid'] !== pkgid) return;
      const href = p.children.get('location')?.attrs['href'];
      const size = p.children.get('size')?.attrs['package'];
      const time = p.children.get('time')?.attrs['file'];
      if (href === undefined || size === undefined || !/^\d+$/.test(size) || time === undefined || !/^\d+$/.test(time)) continue;
      yield { href, size: Number(size), time: Number(time), primary: fragment(p), filelists: fragment(f), other: fragment(o) };
    }
  } finally {
    await Promise.all([primary.return(undefined), filelists.return(undefined), other.return(undefined)]);
  }
}

/** href → size and time of every package in the old primary.xml (small: no fragments kept). */
export async function oldPrimaryIndex(root: string, platform: Platform): Promise<Map<string, { size: number; time: number }>> {
  const index = new Map<string, { size: number; time: number }>();
  for await (const p of oldPackages(root, platform)) index.set(p.href, { size: p.size, time: p.time });
  return index;
}
