/** Byte helpers shared by the OpenPGP code (pure: Uint8Array and BigInt only). */
import { BerthError } from '../errors.js';

/** A signature or key that cannot be parsed. `code` is stable: `pgp.malformed`, `pgp.unsupported`. */
export class PgpError extends BerthError {
  override name = 'PgpError';
}

export function malformed(message: string): PgpError {
  return new PgpError('pgp.malformed', message);
}

export { concatBytes } from '../bytes.js';

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let d = 0;
  for (let i = 0; i < a.length; i++) d |= (a[i] ?? 0) ^ (b[i] ?? 0);
  return d === 0;
}

export function bytesToBigInt(b: Uint8Array): bigint {
  let v = 0n;
  for (const x of b) v = (v << 8n) | BigInt(x);
  return v;
}

/** Big-endian, left-padded to `len` bytes; throws if the value does not fit. */
export function bigIntToBytes(v: bigint, len: number): Uint8Array {
  const out = new Uint8Array(len);
  for (let i = len - 1; i >= 0; i--) {
    out[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  if (v !== 0n) throw malformed('integer does not fit its field');
  return out;
}

/** Left-pads (or strips leading zeros) to exactly `len` bytes; null when the value is longer. */
export function fitBytes(b: Uint8Array, len: number): Uint8Array<ArrayBuffer> | null {
  let start = 0;
  while (start < b.length - len && b[start] === 0) start++;
  const v = b.subarray(start);
  if (v.length > len) return null;
  const out = new Uint8Array(len);
  out.set(v, len - v.length);
  return out;
}

export function base64url(b: Uint8Array): string {
  let s = '';
  for (const x of b) s += String.fromCharCode(x);
  return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

export function u32be(n: number): Uint8Array {
  return new Uint8Array([(n >>> 24) & 0xff, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff]);
}

/** WebCrypto wants ArrayBuffer-backed views; everything in Berth is (no SharedArrayBuffer). */
export function bufferSource(b: Uint8Array): Uint8Array<ArrayBuffer> {
  return b as Uint8Array<ArrayBuffer>;
}
