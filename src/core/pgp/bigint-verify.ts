/**
 * Signature checks over a precomputed digest, for what WebCrypto cannot do: it always hashes
 * the message itself, but legacy rpm signatures arrive as an unfinalised hash of header+payload
 * (never held in memory), and it has no DSA at all. These use only public values, so
 * variable-time BigInt arithmetic leaks nothing secret.
 */
import { bytesEqual, bytesToBigInt, bigIntToBytes, concatBytes } from './bytes.js';

export function modPow(base: bigint, exp: bigint, mod: bigint): bigint {
  let result = 1n;
  base %= mod;
  while (exp > 0n) {
    if (exp & 1n) result = (result * base) % mod;
    base = (base * base) % mod;
    exp >>= 1n;
  }
  return result;
}

function modInverse(a: bigint, m: bigint): bigint | null {
  let [oldR, r] = [((a % m) + m) % m, m];
  let [oldS, s] = [1n, 0n];
  while (r !== 0n) {
    const q = oldR / r;
    [oldR, r] = [r, oldR - q * r];
    [oldS, s] = [s, oldS - q * s];
  }
  return oldR === 1n ? ((oldS % m) + m) % m : null;
}

/**
 * RSASSA-PKCS1-v1_5 over a digest: computes s^e mod n and compares it with the complete expected
 * encoding `00 01 FF… 00 ‖ DigestInfo ‖ digest` (no parsing of the decrypted block, so none of
 * the classic lax-padding forgeries apply).
 */
export function rsaVerifyDigest(n: Uint8Array, e: Uint8Array, sig: Uint8Array, digestInfo: Uint8Array, digest: Uint8Array): boolean {
  const N = bytesToBigInt(n);
  const S = bytesToBigInt(sig);
  if (N === 0n || S >= N) return false;
  let k = n.length;
  while (k > 0 && n[n.length - k] === 0) k--;
  const t = concatBytes([digestInfo, digest]);
  if (k < t.length + 11) return false;
  const em = new Uint8Array(k).fill(0xff);
  em[0] = 0;
  em[1] = 1;
  em[k - t.length - 1] = 0;
  em.set(t, k - t.length);
  return bytesEqual(bigIntToBytes(modPow(S, bytesToBigInt(e), N), k), em);
}

/** DSA (FIPS 186-4 §4.7): the digest is truncated to the bit length of q. */
export function dsaVerifyDigest(
  key: { p: Uint8Array; q: Uint8Array; g: Uint8Array; y: Uint8Array },
  r: Uint8Array,
  s: Uint8Array,
  digest: Uint8Array,
): boolean {
  const p = bytesToBigInt(key.p);
  const q = bytesToBigInt(key.q);
  const g = bytesToBigInt(key.g);
  const y = bytesToBigInt(key.y);
  const R = bytesToBigInt(r);
  const S = bytesToBigInt(s);
  if (q < 2n || p < 3n || R <= 0n || R >= q || S <= 0n || S >= q) return false;
  if (g <= 1n || g >= p || y <= 1n || y >= p) return false;
  const qBits = q.toString(2).length;
  let z = bytesToBigInt(digest);
  if (digest.length * 8 > qBits) z >>= BigInt(digest.length * 8 - qBits);
  const w = modInverse(S, q);
  if (w === null) return false;
  const u1 = (z * w) % q;
  const u2 = (R * w) % q;
  const v = ((modPow(g, u1, p) * modPow(y, u2, p)) % p) % q;
  return v === R;
}
