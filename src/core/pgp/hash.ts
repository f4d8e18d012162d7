/**
 * OpenPGP hash algorithm ids, their names, and one-shot digests over in-memory bytes.
 * WebCrypto digests SHA-1/256/384/512; it lacks SHA-224, so that one is computed here
 * (small, and only ever over a header plus a few bytes of trailer).
 */
import type { HashAlgorithm } from '../platform.js';
import { concatBytes } from './bytes.js';

export interface HashInfo {
  id: number;
  name: string;
  platform: HashAlgorithm | null;
  webCrypto: 'SHA-1' | 'SHA-256' | 'SHA-384' | 'SHA-512' | null;
  /** DER DigestInfo prefix for RSA PKCS#1 v1.5. */
  digestInfo: Uint8Array | null;
  weak: boolean;
}

const hex = (s: string): Uint8Array => Uint8Array.from(s.match(/../g) ?? [], (h) => parseInt(h, 16));

const HASHES: Record<number, HashInfo> = {
  1: { id: 1, name: 'MD5', platform: 'md5', webCrypto: null, digestInfo: hex('3020300c06082a864886f70d020505000410'), weak: true },
  2: { id: 2, name: 'SHA1', platform: 'sha1', webCrypto: 'SHA-1', digestInfo: hex('3021300906052b0e03021a05000414'), weak: true },
  8: { id: 8, name: 'SHA256', platform: 'sha256', webCrypto: 'SHA-256', digestInfo: hex('3031300d060960864801650304020105000420'), weak: false },
  9: { id: 9, name: 'SHA384', platform: 'sha384', webCrypto: 'SHA-384', digestInfo: hex('3041300d060960864801650304020205000430'), weak: false },
  10: { id: 10, name: 'SHA512', platform: 'sha512', webCrypto: 'SHA-512', digestInfo: hex('3051300d060960864801650304020305000440'), weak: false },
  11: { id: 11, name: 'SHA224', platform: 'sha224', webCrypto: null, digestInfo: hex('302d300d06096086480165030402040500041c'), weak: false },
};

/** Known hash info, or null for algorithms Berth cannot compute (RIPEMD-160, SHA3). */
export function hashInfo(id: number): HashInfo | null {
  return HASHES[id] ?? null;
}

export function hashName(id: number): string {
  return HASHES[id]?.name ?? (id === 12 ? 'SHA3-256' : id === 14 ? 'SHA3-512' : id === 3 ? 'RIPEMD160' : `hash#${id}`);
}

/** Digest of the concatenation of `parts`; null when the algorithm is not available in memory. */
export async function digestParts(id: number, parts: readonly Uint8Array[]): Promise<Uint8Array | null> {
  const info = HASHES[id];
  if (!info) return null;
  const data = concatBytes(parts);
  if (info.webCrypto) return new Uint8Array(await crypto.subtle.digest(info.webCrypto, data));
  if (id === 11) return sha224(data);
  return null;
}

// SHA-256 round constants: first 32 bits of the fractional cube roots of the first 64 primes,
// computed exactly with BigInt integer cube roots (no float rounding).
const K = (() => {
  const primes: number[] = [];
  for (let n = 2; primes.length < 64; n++) if (primes.every((p) => n % p !== 0)) primes.push(n);
  return Uint32Array.from(primes, (p) => {
    const x = BigInt(p) << 96n;
    let lo = 0n;
    let hi = 1n << 40n;
    while (hi - lo > 1n) {
      const mid = (lo + hi) >> 1n;
      if (mid * mid * mid <= x) lo = mid;
      else hi = mid;
    }
    return Number(lo & 0xffffffffn);
  });
})();

const SHA224_IV = [0xc1059ed8, 0x367cd507, 0x3070dd17, 0xf70e5939, 0xffc00b31, 0x68581511, 0x64f98fa7, 0xbefa4fa4];

export function sha224(data: Uint8Array): Uint8Array {
  const bitLen = data.length * 8;
  const padded = new Uint8Array(Math.ceil((data.length + 9) / 64) * 64);
  padded.set(data);
  padded[data.length] = 0x80;
  const dv = new DataView(padded.buffer);
  dv.setUint32(padded.length - 8, Math.floor(bitLen / 2 ** 32));
  dv.setUint32(padded.length - 4, bitLen >>> 0);
  const h = Uint32Array.from(SHA224_IV);
  const w = new Uint32Array(64);
  const rotr = (x: number, n: number): number => (x >>> n) | (x << (32 - n));
  for (let off = 0; off < padded.length; off += 64) {
    for (let i = 0; i < 16; i++) w[i] = dv.getUint32(off + i * 4);
    for (let i = 16; i < 64; i++) {
      const a = w[i - 15] as number;
      const b = w[i - 2] as number;
      const s0 = rotr(a, 7) ^ rotr(a, 18) ^ (a >>> 3);
      const s1 = rotr(b, 17) ^ rotr(b, 19) ^ (b >>> 10);
      w[i] = ((w[i - 16] as number) + s0 + (w[i - 7] as number) + s1) >>> 0;
    }
    let [a, b, c, d, e, f, g, hh] = h as unknown as number[] as [number, number, number, number, number, number, number, number];
    for (let i = 0; i < 64; i++) {
      const t1 = (hh + (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) + ((e & f) ^ (~e & g)) + (K[i] as number) + (w[i] as number)) >>> 0;
      const t2 = ((rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) + ((a & b) ^ (a & c) ^ (b & c))) >>> 0;
      hh = g; g = f; f = e; e = (d + t1) >>> 0; d = c; c = b; b = a; a = (t1 + t2) >>> 0;
    }
    const v = [a, b, c, d, e, f, g, hh];
    for (let i = 0; i < 8; i++) h[i] = ((h[i] as number) + (v[i] as number)) >>> 0;
  }
  const out = new Uint8Array(28);
  const odv = new DataView(out.buffer);
  for (let i = 0; i < 7; i++) odv.setUint32(i * 4, h[i] as number);
  return out;
}
