/**
 * The package list of an upstream primary.xml: what a mirror needs to select, fetch and verify
 * each package (NEVRA, checksum, size, location, time). Read from the staged file one
 * `<package>` at a time; decompression by file-name suffix, as libsolv does.
 */
import { Readable } from 'node:stream';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';
import { createGunzip, createZstdDecompress } from 'node:zlib';
import { packageElements } from '../core/repodata/package-elements.js';
import type { BlobStore } from '../storage/blob-store.js';
import { MirrorError } from './errors.js';
import { tagAttrs, tagText } from './xml-bits.js';

export interface UpstreamPackage {
  name: string;
  arch: string;
  epoch: number;
  version: string;
  release: string;
  checksumType: string;
  checksum: string;
  size: number;
  href: string;
  /** `xml:base` of the location: the package lives at another URL. */
  base: string | null;
  /** `<time file>` (seconds). */
  time: number;
}

/** Decompressed text of a staged metadata file, chosen by the href's suffix. */
export async function* metadataText(store: BlobStore, key: string, href: string): AsyncGenerator<string> {
  const obj = await store.get(key);
  if (!obj) throw new Error(`staged metadata ${key} vanished`);
  const raw = Readable.fromWeb(obj.body as NodeReadableStream<Uint8Array>);
  let stream: Readable;
  if (href.endsWith('.gz')) stream = raw.pipe(createGunzip());
  else if (href.endsWith('.zst')) stream = raw.pipe(createZstdDecompress());
  else if (href.endsWith('.xml')) stream = raw;
  else {
    raw.destroy();
    throw new MirrorError('unsupported_compression', `cannot read ${href}: only .xml, .xml.gz and .xml.zst primary files are supported`);
  }
  raw.on('error', (e) => stream.destroy(e));
  stream.setEncoding('utf8');
  try {
    for await (const chunk of stream) yield chunk as string;
  } catch (e) {
    if (e instanceof MirrorError) throw e;
    throw new MirrorError('invalid_primary', `cannot decompress ${href}: ${(e as Error).message}`);
  }
}

function parsePackage(xml: string): UpstreamPackage | null {
  if (tagAttrs(xml, 'package')?.['type'] !== 'rpm') return null;
  const v = tagAttrs(xml, 'version');
  const sum = tagAttrs(xml, 'checksum');
  const loc = tagAttrs(xml, 'location');
  const size = tagAttrs(xml, 'size')?.['package'];
  const name = tagText(xml, 'name');
  const arch = tagText(xml, 'arch');
  const checksum = tagText(xml, 'checksum')?.trim().toLowerCase();
  if (!name || !arch || !v || !sum?.['type'] || !checksum || !loc?.['href'] || size === undefined || !/^\d+$/.test(size)) {
    throw new MirrorError('invalid_primary', `upstream primary.xml has an incomplete package${name ? ` (${name})` : ''}`);
  }
  const epoch = Number(v['epoch'] ?? '0');
  return {
    name, arch,
    epoch: Number.isSafeInteger(epoch) && epoch >= 0 ? epoch : 0,
    version: v['ver'] ?? '', release: v['rel'] ?? '',
    checksumType: sum['type'], checksum,
    size: Number(size), href: loc['href'], base: loc['xml:base'] ?? null,
    time: Number(tagAttrs(xml, 'time')?.['file'] ?? '0') || 0,
  };
}

export async function readUpstreamPackages(texts: AsyncIterable<string>): Promise<UpstreamPackage[]> {
  const out: UpstreamPackage[] = [];
  for await (const el of packageElements(texts)) {
    const p = parsePackage(el);
    if (p) out.push(p);
  }
  return out;
}
