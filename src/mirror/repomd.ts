/** The records of an upstream repomd.xml that a mirror needs: where each file is and its checksum. */
import { MirrorError } from './errors.js';
import { elements, tagAttrs, tagText } from './xml-bits.js';

export interface UpstreamRecord {
  type: string;
  checksumType: string;
  checksum: string;
  /** `location href` as written (relative to the repo root). */
  href: string;
  /** `xml:base` of the location, when upstream keeps the file elsewhere. */
  base: string | null;
  size: number | null;
}

export function parseRepomd(xml: string): UpstreamRecord[] {
  if (!/<repomd[\s>]/.test(xml)) throw new MirrorError('invalid_repomd', 'upstream repomd.xml is not a repomd document');
  const out: UpstreamRecord[] = [];
  for (const data of elements(xml, 'data')) {
    const type = tagAttrs(data, 'data')?.['type'];
    const checksum = tagText(data, 'checksum')?.trim();
    const checksumType = tagAttrs(data, 'checksum')?.['type'];
    const loc = tagAttrs(data, 'location');
    if (!type || !checksum || !checksumType || !loc?.['href']) {
      throw new MirrorError('invalid_repomd', `upstream repomd.xml has an incomplete <data> record${type ? ` (${type})` : ''}`);
    }
    const size = tagText(data, 'size');
    out.push({
      type, checksumType, checksum: checksum.toLowerCase(), href: loc['href'], base: loc['xml:base'] ?? null,
      size: size !== null && /^\d+$/.test(size.trim()) ? Number(size.trim()) : null,
    });
  }
  if (!out.some((r) => r.type === 'primary')) throw new MirrorError('invalid_repomd', 'upstream repomd.xml has no primary record');
  return out;
}
