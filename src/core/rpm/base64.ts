/** Strict base64 decoding for OPENPGP (278) entries; the core has no Buffer or atob. */
import { fail } from './errors.js';

const VALUES = new Int8Array(256).fill(-1);
'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'
  .split('')
  .forEach((c, i) => (VALUES[c.charCodeAt(0)] = i));

export function decodeBase64(text: string, what: string): Uint8Array {
  const s = text.replace(/[\r\n\t ]/g, '').replace(/={1,2}$/, '');
  if (s.length % 4 === 1) fail('rpm.signature.base64', `${what}: invalid base64 length`);
  const out = new Uint8Array(Math.floor((s.length * 3) / 4));
  let acc = 0;
  let bits = 0;
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    const val = c < 256 ? (VALUES[c] ?? -1) : -1;
    if (val < 0) fail('rpm.signature.base64', `${what}: invalid base64 character at ${i}`);
    acc = ((acc << 6) | val) & 0xffffff;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[n++] = (acc >> bits) & 0xff;
    }
  }
  return out.subarray(0, n);
}
