// The signature packet parser on real packets (signed here, and the third-party corpus when it is
// there) and on crafted malformed ones.
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseSignaturePacket, signaturePacketBody } from '../../../src/core/pgp/packet.js';
import { toHex } from '../../../src/core/platform.js';
import { disposeSignedPackages, signedPackages, signedPackagesReason, type SignedPackages } from '../../helpers/signed-packages.js';
import { announceSkip, corpusSkipReason } from '../../helpers/tools.js';
import { corpus, corpusFile, ctime, manifest, oldPacket, readFile, sub, v4Body } from './support.js';

const signedReason = signedPackagesReason();
announceSkip('parseSignaturePacket on packages signed here', signedReason);
const corpusReason = corpusSkipReason();
announceSkip('parseSignaturePacket on the third-party corpus', corpusReason);

const PK: Record<string, number> = { RSA: 1, 'EdDSA(legacy)': 22, Ed25519: 27 };
const HASH: Record<string, number> = { SHA256: 8, SHA512: 10 };

const newPacket = (body: number[]): Uint8Array => {
  const n = body.length;
  const len = n < 192 ? [n] : n < 8384 ? [((n - 192) >> 8) + 192, (n - 192) & 255] : [255, n >>> 24, (n >> 16) & 255, (n >> 8) & 255, n & 255];
  return Uint8Array.from([0xc2, ...len, ...body]);
};

describe.skipIf(signedReason !== null)('parseSignaturePacket on packages signed here with rpmsign', () => {
  let signed: SignedPackages;
  beforeAll(async () => {
    signed = await signedPackages();
  }, 120_000);
  afterAll(() => disposeSignedPackages());

  /** The first two bytes of hash(H ‖ hashed suffix): what the packet's left16 must be. */
  const left16Of = (algorithm: string, header: Uint8Array, suffix: Uint8Array): string =>
    createHash(algorithm).update(header).update(suffix).digest('hex').slice(0, 4);

  it('reads the RSA packet (tag 268) field by field', async () => {
    const r = await readFile(signed.file['rsa-signed']);
    const blob = r.signatureHeader.signatures.find((s) => s.tag === 268);
    expect(blob).toBeDefined();
    // old-format tag 2 with a two-byte length: 0x89
    expect(blob!.packet[0]).toBe(0x89);
    const p = parseSignaturePacket(blob!.packet);
    const { fingerprint, keyId } = signed.keys.rsa;
    expect(p).toMatchObject({ version: 4, sigType: 0, pubkeyAlgorithm: 1, hashAlgorithm: 10, issuerFingerprint: fingerprint, issuerKeyId: keyId });
    expect(Math.abs((p.creationTime ?? 0) - Date.now() / 1000)).toBeLessThan(3600);
    expect(toHex(p.left16)).toBe(left16Of('sha512', r.header, p.hashedSuffix));
    // suffix = 6-byte prefix + hashed subpackets + trailer 04 FF <length of prefix and subpackets>
    const n = p.hashedSuffix.length - 6;
    expect(toHex(p.hashedSuffix.subarray(-6))).toBe(`04ff${n.toString(16).padStart(8, '0')}`);
    expect(p.mpis).toHaveLength(1);
    expect(p.salt.length).toBe(0);
  });

  it('reads the Ed25519 (EdDSA legacy) packet (tag 267) with two MPIs', async () => {
    const r = await readFile(signed.file['ed25519-signed']);
    const p = parseSignaturePacket(r.signatureHeader.signatures.find((s) => s.tag === 267)!.packet);
    expect(p).toMatchObject({ version: 4, pubkeyAlgorithm: 22, hashAlgorithm: 8, issuerKeyId: signed.keys.ed25519.keyId });
    expect(toHex(p.left16)).toBe(left16Of('sha256', r.header, p.hashedSuffix));
    expect(p.mpis).toHaveLength(2);
  });
});

describe.skipIf(corpusReason !== null)('parseSignaturePacket on every third-party corpus signature', () => {
  const signed = corpus === null ? [] : manifest().filter((e) => (e.signatures?.length ?? 0) > 0);
  it.each(signed.map((e) => [e.file, e] as const))('%s', async (_f, e) => {
    const r = await readFile(corpusFile(e.file));
    const parsed = r.signatureHeader.signatures.map((s) => parseSignaturePacket(s.packet));
    expect(parsed).toHaveLength(e.signatures!.length);
    for (const [i, want] of e.signatures!.entries()) {
      const p = parsed[i]!;
      expect(p.version).toBe(want.pktver);
      expect(p.pubkeyAlgorithm).toBe(PK[want.pk]);
      expect(p.hashAlgorithm).toBe(HASH[want.hash]);
      expect(p.creationTime).toBe(want.created);
      expect(p.issuerKeyId).toBe(want.keyid);
      if (want.fpr) expect(p.issuerFingerprint).toBe(want.fpr);
      if (p.version === 6) {
        expect(p.salt.length).toBe(32); // SHA-512 salts are 32 bytes
        expect(p.hashedSuffix[p.hashedSuffix.length - 6]).toBe(6);
      }
      if (p.version === 3) expect(p.hashedSuffix.length).toBe(5);
    }
  });
});

describe('parseSignaturePacket framing and bounds', () => {
  const body = v4Body({ hashed: [...ctime(), ...sub(33, [4, ...new Array<number>(20).fill(7)])], unhashed: sub(16, [1, 2, 3, 4, 5, 6, 7, 8]) });

  it('old- and new-format headers (1-, 2- and 5-byte lengths) give the same packet', () => {
    const a = parseSignaturePacket(oldPacket(body));
    expect(parseSignaturePacket(newPacket(body))).toEqual(a);
    const five = Uint8Array.from([0xc2, 255, 0, 0, 0, body.length, ...body]);
    expect(parseSignaturePacket(five)).toEqual(a);
    expect(a.issuerKeyId).toBe('0102030405060708');
    expect(a.issuerFingerprint).toBe('07'.repeat(20));
    expect(a.creationTime).toBe(1700000000);
  });

  it('derives the key ID from a v4 issuer fingerprint when subpacket 16 is absent', () => {
    const fpr = Array.from({ length: 20 }, (_, i) => i);
    const p = parseSignaturePacket(oldPacket(v4Body({ hashed: [...ctime(), ...sub(33, [4, ...fpr])] })));
    expect(p.issuerKeyId).toBe('0c0d0e0f10111213');
  });

  it('ignores an unhashed creation time (it is not authenticated)', () => {
    const p = parseSignaturePacket(oldPacket(v4Body({ unhashed: ctime() })));
    expect(p.creationTime).toBeNull();
  });

  const bad: [string, Uint8Array, RegExp][] = [
    ['truncated body', oldPacket(body).subarray(0, 20), /does not match|truncated/],
    ['trailing bytes after the packet', Uint8Array.from([...oldPacket(body), 0]), /does not match/],
    ['not a signature packet (tag 6)', Uint8Array.from([0x99, 0, body.length, ...body]), /tag 6/],
    ['partial body length', Uint8Array.from([0xc2, 0xe1, ...body]), /partial/],
    ['indeterminate length', Uint8Array.from([0x8b, ...body]), /indeterminate/],
    ['bit 7 clear', Uint8Array.from([0x09, 1, 2]), /not an OpenPGP packet/],
    ['unknown version', oldPacket([5, ...body.slice(1)]), /version 5/],
    ['duplicate hashed creation time', oldPacket(v4Body({ hashed: [...ctime(), ...ctime()] })), /duplicate subpacket 2/],
    ['subpacket overrunning its area', oldPacket(v4Body({ hashed: [9, 2, 1, 2, 3, 4] })), /truncated/],
    ['unknown critical subpacket', oldPacket(v4Body({ hashed: [...ctime(), 2, 0x80 | 99, 0] })), /critical subpacket 99/],
    ['bad issuer fingerprint length', oldPacket(v4Body({ hashed: sub(33, [4, 1, 2, 3]) })), /fingerprint/],
    ['extra bytes after the MPIs', oldPacket([...body, 0]), /unexpected bytes/],
    ['oversized length', Uint8Array.from([0xc2, 255, 0, 2, 0, 0, ...body]), /exceeds|does not match/],
    ['v3 with hashed length 6', oldPacket([3, 6, ...new Array<number>(30).fill(0)]), /must be 5/],
  ];
  it.each(bad)('rejects %s with pgp.malformed', (_name, packet, message) => {
    let err: unknown;
    try {
      parseSignaturePacket(packet);
    } catch (e) {
      err = e;
    }
    expect(err).toMatchObject({ code: 'pgp.malformed' });
    expect((err as Error).message).toMatch(message);
  });

  it('rejects a v6 salt whose size does not fit the hash', () => {
    const hashed = ctime();
    const v6 = [6, 0, 27, 10, 0, 0, 0, hashed.length, ...hashed, 0, 0, 0, 0, 1, 2, 16, ...new Array<number>(16).fill(0), ...new Array<number>(64).fill(0)];
    expect(() => parseSignaturePacket(newPacket(v6))).toThrow(/salt of 16 bytes/);
    const ok = [6, 0, 27, 10, 0, 0, 0, hashed.length, ...hashed, 0, 0, 0, 0, 1, 2, 32, ...new Array<number>(32).fill(9), ...new Array<number>(64).fill(0)];
    const p = parseSignaturePacket(newPacket(ok));
    expect(p.salt).toEqual(new Uint8Array(32).fill(9));
    expect(p.raw.length).toBe(64);
    expect(toHex(p.hashedSuffix)).toBe(toHex(Uint8Array.from([6, 0, 27, 10, 0, 0, 0, 6, ...hashed, 6, 0xff, 0, 0, 0, 14])));
  });

  it('returns the body of a one-packet blob', () => {
    expect(signaturePacketBody(oldPacket(body))).toEqual(Uint8Array.from(body));
  });
});
