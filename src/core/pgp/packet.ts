/**
 * OpenPGP signature packet parser (RFC 4880 v3/v4, RFC 9580 v6), as rpm stores them in the
 * signature header. Parsing is bounded and strict: one packet, no trailing bytes, no partial
 * lengths, subpacket areas that add up exactly. It never judges validity; verify-signature does.
 */
import { malformed, concatBytes, u32be } from './bytes.js';
import { toHex } from '../platform.js';

/** A signature packet body larger than this is refused (real ones are < 2 KiB). */
export const MAX_SIGNATURE_PACKET = 64 * 1024;

export interface SignaturePacket {
  version: 3 | 4 | 6;
  /** 0x00 = signature of a binary document (the only type rpm accepts). */
  sigType: number;
  /** 1 RSA, 17 DSA, 19 ECDSA, 22 EdDSA (legacy), 27 Ed25519, 28 Ed448. */
  pubkeyAlgorithm: number;
  /** 1 MD5, 2 SHA-1, 8 SHA-256, 9 SHA-384, 10 SHA-512, 11 SHA-224, 12 SHA3-256, 14 SHA3-512. */
  hashAlgorithm: number;
  /** v6 only: hashed before the signed data. Empty for v3/v4. */
  salt: Uint8Array;
  /** Hashed after the signed data: v3 `sigtype ‖ ctime`; v4/v6 the hashed body prefix plus trailer. */
  hashedSuffix: Uint8Array;
  /** Lowercase hex, 16 chars: from subpacket 16 (hashed or not), else derived from 33; v3 from the body. */
  issuerKeyId: string | null;
  /** Lowercase hex of the issuer fingerprint subpacket 33 (20 bytes for v4 keys, 32 for v6). */
  issuerFingerprint: string | null;
  /** Unix seconds from the body (v3) or the *hashed* creation-time subpacket (v4/v6); null if absent. */
  creationTime: number | null;
  /** Seconds after creation at which the signature expires (hashed subpacket 3), or null. */
  expiresAfter: number | null;
  /** First two bytes of the digest, a cheap pre-check. */
  left16: Uint8Array;
  /** Algorithm-specific MPIs (RSA: s; DSA/ECDSA/EdDSA legacy: r, s), magnitude bytes. */
  mpis: Uint8Array[];
  /** Native signature bytes for algorithms without MPIs (Ed25519: 64, Ed448: 114). */
  raw: Uint8Array;
}

const SALT_SIZE: Record<number, number> = { 8: 16, 9: 24, 10: 32, 11: 16, 12: 16, 14: 32 };
const NATIVE_SIG_SIZE: Record<number, number> = { 27: 64, 28: 114 };
const MPI_COUNT: Record<number, number> = { 1: 1, 3: 1, 17: 2, 19: 2, 22: 2 };

class Reader {
  pos = 0;
  constructor(readonly b: Uint8Array, readonly what: string) {}
  need(n: number): void {
    if (n < 0 || this.pos + n > this.b.length) throw malformed(`${this.what}: truncated at byte ${this.pos}`);
  }
  u8(): number {
    this.need(1);
    return this.b[this.pos++] as number;
  }
  u16(): number {
    return (this.u8() << 8) | this.u8();
  }
  u32(): number {
    return ((this.u16() << 16) >>> 0) + this.u16();
  }
  bytes(n: number): Uint8Array {
    this.need(n);
    const v = this.b.subarray(this.pos, this.pos + n);
    this.pos += n;
    return v;
  }
  get left(): number {
    return this.b.length - this.pos;
  }
}

/** Strips the packet header (old or new format) and returns the body of the single tag-2 packet. */
export function signaturePacketBody(packet: Uint8Array): Uint8Array {
  const r = new Reader(packet, 'packet header');
  const ctb = r.u8();
  if ((ctb & 0x80) === 0) throw malformed('not an OpenPGP packet (bit 7 of the tag byte is clear)');
  let tag: number;
  let len: number;
  if (ctb & 0x40) {
    tag = ctb & 0x3f;
    const o = r.u8();
    if (o < 192) len = o;
    else if (o < 224) len = ((o - 192) << 8) + r.u8() + 192;
    else if (o === 255) len = r.u32();
    else throw malformed('partial body lengths are not allowed in a signature packet');
  } else {
    tag = (ctb >> 2) & 0x0f;
    const lt = ctb & 3;
    if (lt === 0) len = r.u8();
    else if (lt === 1) len = r.u16();
    else if (lt === 2) len = r.u32();
    else throw malformed('indeterminate packet length');
  }
  if (tag !== 2) throw malformed(`expected a signature packet (tag 2), got tag ${tag}`);
  if (len > MAX_SIGNATURE_PACKET) throw malformed(`signature packet of ${len} bytes exceeds ${MAX_SIGNATURE_PACKET}`);
  if (r.left !== len) throw malformed(`packet length ${len} does not match the ${r.left} bytes present`);
  return r.bytes(len);
}

interface SubpacketFacts {
  creationTime: number | null;
  expiresAfter: number | null;
  keyId: string | null;
  fingerprint: string | null;
}

function readSubpackets(area: Uint8Array, hashed: boolean, facts: SubpacketFacts): void {
  const r = new Reader(area, 'subpacket area');
  const seen = new Set<number>();
  while (r.left > 0) {
    const o = r.u8();
    let len: number;
    if (o < 192) len = o;
    else if (o < 255) len = ((o - 192) << 8) + r.u8() + 192;
    else len = r.u32();
    if (len < 1) throw malformed('empty subpacket');
    const body = r.bytes(len);
    const type = (body[0] as number) & 0x7f;
    const critical = ((body[0] as number) & 0x80) !== 0;
    const data = body.subarray(1);
    if (hashed && (type === 2 || type === 27) && seen.has(type)) {
      // rpm rejects duplicates of these: an attacker could otherwise pick which one a verifier sees.
      throw malformed(`duplicate subpacket ${type}`);
    }
    seen.add(type);
    switch (type) {
      case 2:
        if (data.length !== 4) throw malformed('creation time subpacket must be 4 bytes');
        if (hashed) facts.creationTime = new Reader(data, 'creation time').u32();
        break;
      case 3:
        if (data.length !== 4) throw malformed('signature expiration subpacket must be 4 bytes');
        if (hashed) facts.expiresAfter = new Reader(data, 'expiration').u32() || null;
        break;
      case 16:
        if (data.length !== 8) throw malformed('issuer key ID subpacket must be 8 bytes');
        facts.keyId ??= toHex(data);
        break;
      case 33: {
        const v = data[0];
        const want = v === 4 ? 20 : v === 5 || v === 6 ? 32 : -1;
        if (want < 0 || data.length !== want + 1) throw malformed('bad issuer fingerprint subpacket');
        facts.fingerprint ??= toHex(data.subarray(1));
        break;
      }
      default:
        // Unknown critical subpackets make a signature invalid (RFC 9580 §5.2.3.7).
        if (critical && hashed && ![4, 5, 7, 9, 11, 20, 21, 22, 23, 25, 27, 28, 30, 34, 35, 39].includes(type)) {
          throw malformed(`unknown critical subpacket ${type}`);
        }
        if (critical && type === 20) throw malformed('critical notation subpacket not understood');
    }
  }
}

function readSignatureFields(r: Reader, pkalgo: number): { mpis: Uint8Array[]; raw: Uint8Array } {
  const native = NATIVE_SIG_SIZE[pkalgo];
  if (native !== undefined) return { mpis: [], raw: r.bytes(native) };
  const count = MPI_COUNT[pkalgo];
  if (count === undefined) return { mpis: [], raw: r.bytes(r.left) };
  const mpis: Uint8Array[] = [];
  for (let i = 0; i < count; i++) {
    const bits = r.u16();
    mpis.push(r.bytes((bits + 7) >> 3));
  }
  return { mpis, raw: new Uint8Array(0) };
}

/** Parses one signature packet (header included). Throws PgpError `pgp.malformed`. */
export function parseSignaturePacket(packet: Uint8Array): SignaturePacket {
  const body = signaturePacketBody(packet);
  const r = new Reader(body, 'signature packet');
  const version = r.u8();
  let out: SignaturePacket;
  if (version === 3 || version === 2) {
    if (r.u8() !== 5) throw malformed('v3 signature hashed length must be 5');
    const suffix = r.bytes(5);
    const sigType = suffix[0] as number;
    const creationTime = new Reader(suffix.subarray(1), 'ctime').u32();
    const keyId = toHex(r.bytes(8));
    const pubkeyAlgorithm = r.u8();
    const hashAlgorithm = r.u8();
    const left16 = r.bytes(2);
    const { mpis, raw } = readSignatureFields(r, pubkeyAlgorithm);
    out = {
      version: 3, sigType, pubkeyAlgorithm, hashAlgorithm, salt: new Uint8Array(0),
      hashedSuffix: suffix.slice(), issuerKeyId: keyId, issuerFingerprint: null,
      creationTime, expiresAfter: null, left16: left16.slice(), mpis, raw,
    };
  } else if (version === 4 || version === 6) {
    const sigType = r.u8();
    const pubkeyAlgorithm = r.u8();
    const hashAlgorithm = r.u8();
    const hashedLen = version === 4 ? r.u16() : r.u32();
    const facts: SubpacketFacts = { creationTime: null, expiresAfter: null, keyId: null, fingerprint: null };
    readSubpackets(r.bytes(hashedLen), true, facts);
    const prefixLen = r.pos;
    const unhashedLen = version === 4 ? r.u16() : r.u32();
    readSubpackets(r.bytes(unhashedLen), false, facts);
    const left16 = r.bytes(2);
    let salt = new Uint8Array(0);
    if (version === 6) {
      const saltLen = r.u8();
      if (SALT_SIZE[hashAlgorithm] !== undefined && SALT_SIZE[hashAlgorithm] !== saltLen) {
        throw malformed(`v6 salt of ${saltLen} bytes does not fit hash algorithm ${hashAlgorithm}`);
      }
      salt = r.bytes(saltLen).slice();
    }
    const { mpis, raw } = readSignatureFields(r, pubkeyAlgorithm);
    const trailer = concatBytes([new Uint8Array([version, 0xff]), u32be(prefixLen)]);
    let keyId = facts.keyId;
    if (keyId === null && facts.fingerprint !== null) {
      // v4 key IDs are the low 64 bits of the fingerprint, v6 ones the high 64 bits.
      keyId = facts.fingerprint.length === 40 ? facts.fingerprint.slice(24) : facts.fingerprint.slice(0, 16);
    }
    out = {
      version, sigType, pubkeyAlgorithm, hashAlgorithm, salt,
      hashedSuffix: concatBytes([body.subarray(0, prefixLen), trailer]),
      issuerKeyId: keyId, issuerFingerprint: facts.fingerprint, creationTime: facts.creationTime,
      expiresAfter: facts.expiresAfter, left16: left16.slice(), mpis, raw,
    };
  } else {
    throw malformed(`unsupported signature packet version ${version}`);
  }
  if (r.left !== 0) throw malformed(`${r.left} unexpected bytes after the signature fields`);
  return out;
}
