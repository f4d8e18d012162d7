/**
 * MirrorManager metalinks (formats.md §4.3), read the way librepo reads them: only
 * `<file name="repomd.xml">`; mirrors by descending `preference`, base URL = the URL without its
 * trailing `repodata/repomd.xml`; a downloaded repomd.xml is good when it matches the strongest
 * hash type of the main entry or of any alternate (mirrors in mid-sync serve the previous one).
 */
import type { HashAlgorithm, Platform } from '../core/platform.js';
import { toHex } from '../core/platform.js';
import { MirrorError } from './errors.js';
import { hashAlgorithmOf } from './upstream.js';
import { elements, tagAttrs, tagText } from './xml-bits.js';

export interface MetalinkHash {
  algorithm: HashAlgorithm;
  hex: string;
}

export interface Metalink {
  /** One strongest hash per acceptable repomd.xml (the main entry first, then alternates). */
  candidates: MetalinkHash[];
  /** Base URLs, most preferred first. */
  mirrors: { base: string; preference: number }[];
}

const STRENGTH: HashAlgorithm[] = ['md5', 'sha1', 'sha224', 'sha256', 'sha384', 'sha512'];

function strongest(verification: string): MetalinkHash | null {
  let best: MetalinkHash | null = null;
  for (const h of elements(verification, 'hash')) {
    const algorithm = hashAlgorithmOf(tagAttrs(h, 'hash')?.['type'] ?? '');
    const hex = tagText(h, 'hash')?.trim().toLowerCase();
    if (!algorithm || !hex) continue;
    if (!best || STRENGTH.indexOf(algorithm) > STRENGTH.indexOf(best.algorithm)) best = { algorithm, hex };
  }
  return best;
}

export function parseMetalink(xml: string): Metalink {
  const file = elements(xml, 'file').find((f) => tagAttrs(f, 'file')?.['name'] === 'repomd.xml');
  if (!file) throw new MirrorError('invalid_metalink', 'the metalink has no <file name="repomd.xml">');
  const alternates = elements(file, 'mm0:alternate');
  const main = file.replace(/<mm0:alternates[\s>][\s\S]*?<\/mm0:alternates>/g, '');
  const candidates = [main, ...alternates]
    .map((part) => {
      const v = elements(part, 'verification')[0];
      return v ? strongest(v) : null;
    })
    .filter((h): h is MetalinkHash => h !== null);
  if (candidates.length === 0) throw new MirrorError('invalid_metalink', 'the metalink lists no usable repomd.xml hash');
  const mirrors = elements(file, 'url')
    .map((u) => ({ url: (tagText(u, 'url') ?? '').trim(), preference: Number(tagAttrs(u, 'url')?.['preference'] ?? '0') || 0 }))
    .filter((u) => /^https?:\/\//.test(u.url))
    .map((u) => ({ base: u.url.replace(/repodata\/repomd\.xml$/, ''), preference: u.preference }))
    .sort((a, b) => b.preference - a.preference);
  if (mirrors.length === 0) throw new MirrorError('invalid_metalink', 'the metalink lists no http(s) mirror for repomd.xml');
  return { candidates, mirrors };
}

/** True when `repomd` matches one candidate's strongest hash. */
export function matchesMetalink(repomd: Uint8Array, ml: Metalink, platform: Platform): boolean {
  const digests = new Map<HashAlgorithm, string>();
  for (const c of ml.candidates) {
    let d = digests.get(c.algorithm);
    if (d === undefined) {
      const h = platform.createHash(c.algorithm);
      h.update(repomd);
      d = toHex(h.digest());
      digests.set(c.algorithm, d);
    }
    if (d === c.hex) return true;
  }
  return false;
}
