/**
 * Verifies one OpenPGP signature packet from an RPM signature header against a keyring.
 *
 * Digest = Hash(salt ‖ signed bytes ‖ hashed suffix/trailer). Header-scope signatures sign the
 * main header H, which is in memory: WebCrypto checks RSA/ECDSA over the bytes directly.
 * Legacy signatures sign H ‖ P and arrive as an unfinalised hash; those, DSA, and hashes
 * WebCrypto lacks go through bigint-verify over the digest. EdDSA signs the digest itself.
 */
import type { Hash } from '../platform.js';
import { PgpError, fitBytes, concatBytes, bufferSource, base64url } from './bytes.js';
import { parseSignaturePacket, type SignaturePacket } from './packet.js';
import { hashInfo, hashName, digestParts, type HashInfo } from './hash.js';
import { rsaVerifyDigest, dsaVerifyDigest } from './bigint-verify.js';
import type { Keyring, KeyInfo, KeyMaterial, SigningKey } from './keyring.js';

export type SignatureStatus = 'ok' | 'bad' | 'nokey' | 'untrusted' | 'weak-algorithm' | 'unsupported' | 'malformed';

export interface SignatureCheck {
  status: SignatureStatus;
  reason: string;
  version: number | null;
  /** `RSA`, `DSA`, `ECDSA`, `EdDSA`, `Ed25519`… */
  algorithm: string;
  /** `SHA256`, `SHA512`, `SHA1`… */
  hash: string;
  hashAlgorithm: number | null;
  issuerKeyId: string | null;
  issuerFingerprint: string | null;
  /** The key that verified it (status ok or weak-algorithm). */
  signer: KeyInfo | null;
}

/** What was signed: the bytes themselves, or an unfinalised hash of them (consumed here). */
export type SignedInput = { data: Uint8Array } | { hash: Hash };

export interface VerifyOptions {
  /** Validity date for keys and signature expiry (default now). */
  date?: Date;
  /** Accept MD5/SHA-1 signature digests (default false). */
  allowWeakHashes?: boolean;
}

const PK_NAMES: Record<number, string> = { 1: 'RSA', 3: 'RSA', 17: 'DSA', 19: 'ECDSA', 22: 'EdDSA', 27: 'Ed25519', 28: 'Ed448' };
const CURVE_BYTES = { 'P-256': 32, 'P-384': 48, 'P-521': 66 } as const;

export function pubkeyAlgorithmName(id: number): string {
  return PK_NAMES[id] ?? `pk#${id}`;
}

function compatible(sigAlgo: number, key: SigningKey): boolean {
  const k = key.info.pubkeyAlgorithm;
  if (sigAlgo === 1 || sigAlgo === 3) return k === 1 || k === 3;
  return sigAlgo === k;
}

const cryptoKeys = new WeakMap<KeyMaterial, Map<string, Promise<CryptoKey>>>();

function importKey(m: KeyMaterial, usage: string, make: () => Promise<CryptoKey>): Promise<CryptoKey> {
  let byUse = cryptoKeys.get(m);
  if (!byUse) cryptoKeys.set(m, (byUse = new Map()));
  let k = byUse.get(usage);
  if (!k) {
    k = make();
    k.catch(() => byUse.delete(usage));
    byUse.set(usage, k);
  }
  return k;
}

/** One candidate key against the digest (and, when available, the message bytes). */
async function checkWithKey(sig: SignaturePacket, h: HashInfo, key: KeyMaterial, digest: Uint8Array, message: Uint8Array | null): Promise<boolean | string> {
  switch (key.kind) {
    case 'rsa': {
      const s = sig.mpis[0];
      if (!s) return 'missing RSA signature value';
      if (message && h.webCrypto) {
        const ck = await importKey(key, `rsa:${h.webCrypto}`, () => crypto.subtle.importKey(
          'jwk', { kty: 'RSA', n: base64url(key.n), e: base64url(key.e), ext: true }, { name: 'RSASSA-PKCS1-v1_5', hash: h.webCrypto as string }, false, ['verify']));
        const padded = fitBytes(s, key.n.length);
        if (!padded) return false;
        return crypto.subtle.verify('RSASSA-PKCS1-v1_5', ck, padded, bufferSource(message));
      }
      if (!h.digestInfo) return `no DigestInfo for ${h.name}`;
      return rsaVerifyDigest(key.n, key.e, s, h.digestInfo, digest);
    }
    case 'dsa': {
      const [r, s] = sig.mpis;
      if (!r || !s) return 'missing DSA signature values';
      return dsaVerifyDigest(key, r, s, digest);
    }
    case 'ecdsa': {
      const [r, s] = sig.mpis;
      if (!r || !s) return 'missing ECDSA signature values';
      if (!message || !h.webCrypto) return `ECDSA over a precomputed ${h.name} digest is not supported`;
      const size = CURVE_BYTES[key.curve];
      const rr = fitBytes(r, size);
      const ss = fitBytes(s, size);
      if (!rr || !ss) return false;
      const ck = await importKey(key, 'ecdsa', () => crypto.subtle.importKey('raw', bufferSource(key.point), { name: 'ECDSA', namedCurve: key.curve }, false, ['verify']));
      return crypto.subtle.verify({ name: 'ECDSA', hash: h.webCrypto }, ck, concatBytes([rr, ss]), bufferSource(message));
    }
    case 'ed25519': {
      let raw: Uint8Array | null;
      if (sig.pubkeyAlgorithm === 22) {
        const [r, s] = sig.mpis;
        const rr = r ? fitBytes(r, 32) : null;
        const ss = s ? fitBytes(s, 32) : null;
        raw = rr && ss ? concatBytes([rr, ss]) : null;
      } else {
        raw = sig.raw.length === 64 ? sig.raw : null;
      }
      if (!raw) return false;
      // RFC 9580 §5.2.3.4 / rpm: the EdDSA message is the OpenPGP digest, not the data.
      const ck = await importKey(key, 'ed25519', () => crypto.subtle.importKey('raw', bufferSource(key.publicKey), { name: 'Ed25519' }, false, ['verify']));
      return crypto.subtle.verify({ name: 'Ed25519' }, ck, bufferSource(raw), bufferSource(digest));
    }
    case 'unsupported':
      return key.detail;
  }
}

export async function verifySignature(packet: Uint8Array | SignaturePacket, input: SignedInput, keyring: Keyring, opts: VerifyOptions = {}): Promise<SignatureCheck> {
  let sig: SignaturePacket;
  try {
    sig = packet instanceof Uint8Array ? parseSignaturePacket(packet) : packet;
  } catch (err) {
    if (err instanceof PgpError) {
      return { status: 'malformed', reason: err.message, version: null, algorithm: '?', hash: '?', hashAlgorithm: null, issuerKeyId: null, issuerFingerprint: null, signer: null };
    }
    throw err;
  }
  const out: SignatureCheck = {
    status: 'bad', reason: '', version: sig.version, algorithm: pubkeyAlgorithmName(sig.pubkeyAlgorithm),
    hash: hashName(sig.hashAlgorithm), hashAlgorithm: sig.hashAlgorithm,
    issuerKeyId: sig.issuerKeyId, issuerFingerprint: sig.issuerFingerprint, signer: null,
  };
  const done = (status: SignatureStatus, reason: string): SignatureCheck => Object.assign(out, { status, reason });
  const date = opts.date ?? new Date();

  if (sig.sigType !== 0) return done('malformed', `signature type 0x${sig.sigType.toString(16)} is not a binary-document signature`);
  if (sig.version !== 3 && sig.creationTime === null) return done('malformed', 'no hashed creation-time subpacket');
  if (!sig.issuerFingerprint && !sig.issuerKeyId) return done('malformed', 'signature names no issuer');
  if (sig.creationTime !== null && sig.expiresAfter !== null && (sig.creationTime + sig.expiresAfter) * 1000 <= date.getTime()) {
    return done('untrusted', 'signature has expired');
  }
  const h = hashInfo(sig.hashAlgorithm);
  if (!h) return done('unsupported', `hash algorithm ${out.hash} is not supported`);

  const lookup = await keyring.lookup({ fingerprint: sig.issuerFingerprint, keyId: sig.issuerKeyId }, date);
  // hex identifiers in messages are upper-case, as the API shows fingerprints
  const issuer = (sig.issuerFingerprint ?? sig.issuerKeyId ?? '').toUpperCase();
  if (lookup.usable.length === 0) {
    if (lookup.refused.length === 0) return done('nokey', `no key ${issuer} in the keyring`);
    return done('untrusted', lookup.refused.map((r) => `key ${r.info.fingerprint.toUpperCase()} ${r.reason}: ${r.detail}`).join('; '));
  }

  let digest: Uint8Array | null;
  let message: Uint8Array | null = null;
  if ('data' in input) {
    message = concatBytes([sig.salt, input.data, sig.hashedSuffix]);
    digest = await digestParts(sig.hashAlgorithm, [message]);
  } else {
    if (sig.salt.length > 0) return done('unsupported', 'a salted (v6) signature cannot use a hash started before the salt');
    input.hash.update(sig.hashedSuffix);
    digest = input.hash.digest();
  }
  if (!digest) return done(h.weak && !opts.allowWeakHashes ? 'weak-algorithm' : 'unsupported', `cannot compute ${h.name} here`);
  if (digest[0] !== sig.left16[0] || digest[1] !== sig.left16[1]) {
    return done('bad', `digest does not match the signature's left 16 bits (signed data altered)`);
  }

  const failures: string[] = [];
  for (const key of lookup.usable) {
    if (!compatible(sig.pubkeyAlgorithm, key)) {
      failures.push(`key ${key.info.fingerprint.toUpperCase()} is ${key.info.algorithm}, signature is ${out.algorithm}`);
      continue;
    }
    if (sig.creationTime !== null && sig.creationTime * 1000 < key.info.created.getTime()) {
      failures.push(`signature predates key ${key.info.fingerprint.toUpperCase()}`);
      continue;
    }
    const result = await checkWithKey(sig, h, key.material, digest, message);
    if (result === true) {
      out.signer = key.info;
      if (h.weak && !opts.allowWeakHashes) return done('weak-algorithm', `${out.algorithm}/${h.name} signature verified, but ${h.name} is refused by policy`);
      return done('ok', `${out.algorithm}/${h.name} signature by ${key.info.fingerprint.toUpperCase()}`);
    }
    failures.push(result === false ? `signature does not verify with key ${key.info.fingerprint.toUpperCase()}` : result);
  }
  const unsupportedOnly = failures.every((f) => /not supported|unsupported|algorithm/i.test(f) && !/does not verify|predates/.test(f));
  return done(unsupportedOnly && failures.some((f) => /not supported|public-key algorithm/.test(f)) ? 'unsupported' : 'bad', failures.join('; '));
}
