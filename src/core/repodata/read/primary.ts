/**
 * The package list of a primary.xml (formats.md §3.2), one package at a time: what mirror and
 * sync need to select, fetch and verify each package — NEVRA, checksum, size, location, time.
 * Only `type="rpm"` packages (createrepo_c writes no others).
 */
import type { Checksum } from './repomd.js';
import { RepodataReadError } from './errors.js';
import { packageElements, type PackageReadOptions } from './packages.js';

export interface PrimaryPackage {
  name: string;
  arch: string;
  epoch: number;
  version: string;
  release: string;
  /** The package checksum (`pkgid`): type as written, lowercased; lowercase hex. */
  checksum: Checksum;
  /** `size package`: the file's size in bytes. */
  size: number;
  /** `location href` as written. */
  href: string;
  /** `xml:base` of the location: the package lives at another URL. */
  base: string | null;
  /** `time file` (seconds; 0 when absent). */
  time: number;
}

const CHILDREN = ['name', 'arch', 'version', 'checksum', 'time', 'size', 'location'];

export async function* primaryPackages(texts: AsyncIterable<string>, opts: Omit<PackageReadOptions, 'children' | 'text'> = {}): AsyncGenerator<PrimaryPackage> {
  let n = 0;
  for await (const el of packageElements(texts, { ...opts, children: CHILDREN, text: ['name', 'arch', 'checksum'] })) {
    n++;
    const type = el.attrs['type'];
    if (type !== undefined && type !== 'rpm') continue;
    const c = el.children;
    const name = c.get('name')?.text.trim();
    const arch = c.get('arch')?.text.trim();
    const v = c.get('version')?.attrs;
    const sum = c.get('checksum');
    const value = sum?.text.trim().toLowerCase();
    const size = c.get('size')?.attrs['package'];
    const loc = c.get('location')?.attrs;
    const missing = !name ? 'name' : !arch ? 'arch' : !v || v['ver'] === undefined || v['rel'] === undefined ? 'version'
      : !sum?.attrs['type'] || !value || !/^[0-9a-f]{8,128}$/.test(value) ? 'checksum'
        : size === undefined || !/^\d{1,15}$/.test(size) ? 'size' : !loc?.['href'] ? 'location' : null;
    // the position, not the content: an error never quotes what was fetched
    if (missing) throw new RepodataReadError('invalid_primary', `primary.xml: package ${n} has no usable <${missing}>`);
    const epoch = Number(v?.['epoch'] ?? '0');
    const time = Number(c.get('time')?.attrs['file'] ?? '0');
    yield {
      name: name as string, arch: arch as string,
      epoch: Number.isSafeInteger(epoch) && epoch >= 0 ? epoch : 0,
      version: v?.['ver'] as string, release: v?.['rel'] as string,
      checksum: { type: (sum?.attrs['type'] as string).toLowerCase(), value: value as string },
      size: Number(size),
      href: loc?.['href'] as string,
      base: loc?.['xml:base'] ?? null,
      time: Number.isSafeInteger(time) && time >= 0 ? time : 0,
    };
  }
}
