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
import { XmlReader } from '../core/repodata/read/xml-reader.js';

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

function strongest(hashes: readonly { type: string; hex: string }[]): MetalinkHash | null {
  let best: MetalinkHash | null = null;
  for (const h of hashes) {
    const algorithm = hashAlgorithmOf(h.type);
    const hex = h.hex.trim().toLowerCase();
    if (!algorithm || !hex) continue;
    if (!best || STRENGTH.indexOf(algorithm) > STRENGTH.indexOf(best.algorithm)) best = { algorithm, hex };
  }
  return best;
}

const TEXT_LIMIT = 8192;

/** Reads the metalink with the bounded XML reader: only `<file name="repomd.xml">` matters. */
export function parseMetalink(xml: string): Metalink {
  const stack: string[] = [];
  let inFile = false;
  let found = false;
  const main: { type: string; hex: string }[] = [];
  const alternates: { type: string; hex: string }[][] = [];
  const urls: { url: string; preference: number }[] = [];
  let text: { value: string; done: (t: string) => void } | null = null;
  const reader = new XmlReader({
    open(name, attrs) {
      stack.push(name);
      if (name === 'file' && attrs['name'] === 'repomd.xml' && !found) {
        inFile = true;
        found = true;
      } else if (!inFile) {
        return;
      } else if (name === 'mm0:alternate') {
        alternates.push([]);
      } else if (name === 'hash' && stack.at(-2) === 'verification') {
        const into = stack.includes('mm0:alternate') ? alternates.at(-1) : main;
        text = { value: '', done: (t) => into?.push({ type: attrs['type'] ?? '', hex: t }) };
      } else if (name === 'url' && stack.at(-2) === 'resources') {
        const preference = Number(attrs['preference'] ?? '0') || 0;
        text = { value: '', done: (t) => urls.push({ url: t.trim(), preference }) };
      }
    },
    text(t) {
      if (!text) return;
      text.value += t;
      if (text.value.length > TEXT_LIMIT) throw new MirrorError('invalid_metalink', `the metalink has a value longer than ${TEXT_LIMIT} characters`);
    },
    close(name) {
      stack.pop();
      if (text && (name === 'hash' || name === 'url')) {
        text.done(text.value);
        text = null;
      }
      if (name === 'file') inFile = false;
    },
  });
  try {
    reader.write(xml);
    reader.end();
  } catch (e) {
    if (e instanceof MirrorError) throw e;
    throw new MirrorError('invalid_metalink', `the metalink cannot be read: ${(e as Error).message}`);
  }
  if (!found) throw new MirrorError('invalid_metalink', 'the metalink has no <file name="repomd.xml">');
  const candidates = [strongest(main), ...alternates.map(strongest)].filter((h): h is MetalinkHash => h !== null);
  if (candidates.length === 0) throw new MirrorError('invalid_metalink', 'the metalink lists no usable repomd.xml hash');
  const mirrors = urls
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
