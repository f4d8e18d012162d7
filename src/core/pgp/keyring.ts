/**
 * Trusted public keys for package verification.
 *
 * Keys are parsed with openpgp and indexed, primary keys and subkeys alike, by full fingerprint
 * in **lowercase hex** (what rpm 6 prints and what signatures' issuer-fingerprint subpackets hold)
 * and by 64-bit key ID. Validity is decided at lookup time, against a date: a key that is expired,
 * revoked, not bound to its primary by a valid binding signature (CVE-2021-3521), or not allowed
 * to sign is returned as refused, never as usable.
 */
import * as openpgp from 'openpgp';
import { PgpError } from './bytes.js';

export type KeyMaterial =
  | { kind: 'rsa'; n: Uint8Array; e: Uint8Array }
  | { kind: 'dsa'; p: Uint8Array; q: Uint8Array; g: Uint8Array; y: Uint8Array }
  | { kind: 'ecdsa'; curve: 'P-256' | 'P-384' | 'P-521'; point: Uint8Array }
  /** Ed25519 in either encoding: legacy EdDSA (22) or RFC 9580 Ed25519 (27). */
  | { kind: 'ed25519'; publicKey: Uint8Array }
  | { kind: 'unsupported'; detail: string };

export interface KeyInfo {
  /** Lowercase hex: 40 chars for v4 keys, 64 for v6. */
  fingerprint: string;
  /** Lowercase hex, 16 chars. */
  keyId: string;
  primaryFingerprint: string;
  subkey: boolean;
  /** Key packet version (4 or 6). */
  version: number;
  /** OpenPGP public-key algorithm id (1 RSA, 17 DSA, 19 ECDSA, 22 EdDSA, 27 Ed25519…). */
  pubkeyAlgorithm: number;
  /** Human label, e.g. `RSA-4096`, `ECDSA-P-256`, `EdDSA-Ed25519`, `Ed25519`. */
  algorithm: string;
  /** User IDs of the primary key (also given for subkeys). */
  userIds: string[];
  created: Date;
  /** Null when the key does not expire (or its self-signature cannot be read). */
  expires: Date | null;
}

export interface SigningKey {
  info: KeyInfo;
  material: KeyMaterial;
}

export type RefusalReason = 'expired' | 'revoked' | 'unbound' | 'not-signing' | 'invalid';

export interface KeyLookup {
  usable: SigningKey[];
  refused: { info: KeyInfo; reason: RefusalReason; detail: string }[];
}

interface Entry {
  key: openpgp.PublicKey;
  part: openpgp.PublicKey | openpgp.Subkey;
  info: KeyInfo;
  material: KeyMaterial;
}

/**
 * openpgp's defaults, except that DSA keys stay usable for verification: rpm verifies DSA
 * package signatures and old distribution keys are DSA. ElGamal (encrypt-only) stays refused.
 */
const KEY_CONFIG: openpgp.Config = { ...openpgp.config, rejectPublicKeyAlgorithms: new Set([openpgp.enums.publicKey.elgamal]) };

const CURVES: Record<string, 'P-256' | 'P-384' | 'P-521'> = { nistP256: 'P-256', nistP384: 'P-384', nistP521: 'P-521' };

function materialOf(part: openpgp.PublicKey | openpgp.Subkey): KeyMaterial {
  const info = part.getAlgorithmInfo();
  const p = part.keyPacket.publicParams as Record<string, Uint8Array | undefined>;
  switch (info.algorithm) {
    case 'rsaEncryptSign':
    case 'rsaSign':
      if (p.n && p.e) return { kind: 'rsa', n: p.n, e: p.e };
      break;
    case 'dsa':
      if (p.p && p.q && p.g && p.y) return { kind: 'dsa', p: p.p, q: p.q, g: p.g, y: p.y };
      break;
    case 'ecdsa': {
      const curve = CURVES[info.curve ?? ''];
      if (curve && p.Q) return { kind: 'ecdsa', curve, point: p.Q };
      return { kind: 'unsupported', detail: `ECDSA curve ${info.curve ?? '?'}` };
    }
    case 'eddsaLegacy':
      // Legacy EdDSA points carry a 0x40 prefix before the 32-byte native key.
      if (info.curve === 'ed25519Legacy' && p.Q?.length === 33 && p.Q[0] === 0x40) {
        return { kind: 'ed25519', publicKey: p.Q.subarray(1) };
      }
      break;
    case 'ed25519':
      if (p.A?.length === 32) return { kind: 'ed25519', publicKey: p.A };
      break;
  }
  return { kind: 'unsupported', detail: `public-key algorithm ${info.algorithm}${info.curve ? ` (${info.curve})` : ''}` };
}

function label(part: openpgp.PublicKey | openpgp.Subkey): string {
  const i = part.getAlgorithmInfo();
  switch (i.algorithm) {
    case 'rsaEncryptSign':
    case 'rsaSign':
      return `RSA-${i.bits ?? '?'}`;
    case 'dsa':
      return `DSA-${i.bits ?? '?'}`;
    case 'ecdsa':
      return `ECDSA-${CURVES[i.curve ?? ''] ?? i.curve}`;
    case 'eddsaLegacy':
      return 'EdDSA-Ed25519';
    case 'ed25519':
      return 'Ed25519';
    default:
      return i.algorithm;
  }
}

async function expiry(part: openpgp.PublicKey | openpgp.Subkey): Promise<Date | null> {
  try {
    const t = await part.getExpirationTime();
    return t instanceof Date ? t : null;
  } catch {
    return null;
  }
}

function classify(err: unknown, fallback: RefusalReason): { reason: RefusalReason; detail: string } {
  const detail = err instanceof Error ? err.message : String(err);
  if (/revoked/i.test(detail)) return { reason: 'revoked', detail };
  if (/expired/i.test(detail)) return { reason: 'expired', detail };
  return { reason: fallback, detail };
}

export class Keyring {
  #primaries = new Map<string, openpgp.PublicKey>();
  #byFingerprint = new Map<string, Entry>();
  #byKeyId = new Map<string, Entry[]>();

  /**
   * Adds every public key in an armored block or binary key ring. A key already present is
   * merged (so a later revocation certificate or new subkey takes effect). Already parsed
   * openpgp keys are accepted too. Returns the primary
   * key infos added or updated. Throws PgpError `pgp.bad-key` when nothing parses.
   */
  async add(input: string | Uint8Array | readonly openpgp.Key[]): Promise<KeyInfo[]> {
    let keys: readonly openpgp.Key[];
    try {
      keys = typeof input === 'string'
        ? await openpgp.readKeys({ armoredKeys: input })
        : input instanceof Uint8Array
          ? await openpgp.readKeys({ binaryKeys: input })
          : input;
    } catch (err) {
      throw new PgpError('pgp.bad-key', `cannot read OpenPGP public key: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
    }
    const added: KeyInfo[] = [];
    for (const k of keys) {
      let key = k.isPrivate() ? k.toPublic() : (k as openpgp.PublicKey);
      const fpr = key.getFingerprint().toLowerCase();
      const existing = this.#primaries.get(fpr);
      if (existing) key = await existing.update(key);
      this.#primaries.set(fpr, key);
      added.push(...(await this.#index(key)).slice(0, 1));
    }
    return added;
  }

  async #index(key: openpgp.PublicKey): Promise<KeyInfo[]> {
    const primaryFingerprint = key.getFingerprint().toLowerCase();
    const userIds = key.getUserIDs();
    const infos: KeyInfo[] = [];
    for (const part of key.getKeys()) {
      const fingerprint = part.getFingerprint().toLowerCase();
      const info: KeyInfo = {
        fingerprint,
        keyId: part.getKeyID().toHex().toLowerCase(),
        primaryFingerprint,
        subkey: part !== key,
        version: part.keyPacket.version,
        pubkeyAlgorithm: (openpgp.enums.publicKey as unknown as Record<string, number>)[part.getAlgorithmInfo().algorithm] ?? 0,
        algorithm: label(part),
        userIds,
        created: part.getCreationTime(),
        expires: await expiry(part),
      };
      const entry: Entry = { key, part, info, material: materialOf(part) };
      const old = this.#byFingerprint.get(fingerprint);
      this.#byFingerprint.set(fingerprint, entry);
      const list = (this.#byKeyId.get(info.keyId) ?? []).filter((e) => e !== old);
      list.push(entry);
      this.#byKeyId.set(info.keyId, list);
      infos.push(info);
    }
    return infos;
  }

  /** Primary key fingerprints, lowercase hex, in insertion order. */
  fingerprints(): string[] {
    return [...this.#primaries.keys()];
  }

  /** Metadata of every primary key and subkey (no validity judgement). */
  keys(): KeyInfo[] {
    return [...this.#byFingerprint.values()].map((e) => e.info);
  }

  /**
   * Keys that may have made a signature: by exact fingerprint (preferred), or every key
   * sharing a 64-bit key ID (colliding IDs stay separate; the verifier tries each).
   * Each candidate is checked at `date`: primary key valid (not revoked/expired, valid
   * self-signature), subkey bound by a valid binding signature with a valid back-signature,
   * signing allowed by its key flags.
   */
  async lookup(issuer: { fingerprint?: string | null; keyId?: string | null }, date = new Date()): Promise<KeyLookup> {
    let entries: Entry[] = [];
    if (issuer.fingerprint) {
      const e = this.#byFingerprint.get(issuer.fingerprint.toLowerCase());
      if (e) entries = [e];
    } else if (issuer.keyId) {
      entries = this.#byKeyId.get(issuer.keyId.toLowerCase()) ?? [];
    }
    const out: KeyLookup = { usable: [], refused: [] };
    for (const e of entries) {
      const refusal = await this.#check(e, date);
      if (refusal) out.refused.push({ info: e.info, ...refusal });
      else out.usable.push({ info: e.info, material: e.material });
    }
    return out;
  }

  async #check(e: Entry, date: Date): Promise<{ reason: RefusalReason; detail: string } | null> {
    try {
      await e.key.verifyPrimaryKey(date, undefined, KEY_CONFIG);
    } catch (err) {
      return classify(err, 'invalid');
    }
    if (e.part !== e.key) {
      try {
        await (e.part as openpgp.Subkey).verify(date, KEY_CONFIG);
      } catch (err) {
        return classify(err, 'unbound');
      }
    }
    try {
      const signer = await e.key.getSigningKey(e.part.getKeyID(), date, undefined, KEY_CONFIG);
      if (signer.getFingerprint().toLowerCase() !== e.info.fingerprint) {
        return { reason: 'not-signing', detail: 'another key with the same key ID is the signing key' };
      }
    } catch (err) {
      const detail = err instanceof Error ? err.message : String(err);
      // A signing subkey without a valid back-signature is not bound in both directions.
      return { reason: /embedded/i.test(detail) ? 'unbound' : 'not-signing', detail };
    }
    return null;
  }
}
