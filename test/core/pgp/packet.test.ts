// The signature packet parser on real packets (example + corpus) and on crafted malformed ones.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseSignaturePacket, signaturePacketBody } from '../../../src/core/pgp/packet.js';
import { toHex } from '../../../src/core/platform.js';
import { corpus, corpusFile, ctime, example, manifest, oldPacket, readFile, sub, v4Body } from './support.js';

const PK: Record<string, number> = { RSA: 1, 'EdDSA(legacy)': 22, Ed25519: 27 };
const HASH: Record<string, number> = { SHA256: 8, SHA512: 10 };

const newPacket = (body: number[]): Uint8Array => {
  const n = body.length;
  const len = n < 192 ? [n] : n < 8384 ? [((n - 192) >> 8) + 192, (n - 192) & 255] : [255, n >>> 24, (n >> 16) & 255, (n >> 8) & 255, n & 255];
  return Uint8Array.from([0xc2, ...len, ...body]);
};

describe.skipIf(example === null)('parseSignaturePacket on the worked example (skipped: ../shared absent)', () => {
  it('reads the hello-demo RSA packet field by field (formats.md §6)', async () => {
    const r = await readFile(join(example as string, 'pkgs', 'hello-demo-1.2.3-4.noarch.rsa-signed.rpm'));
    const blob = r.signatureHeader.signatures.find((s) => s.tag === 268);
    expect(blob).toBeDefined();
    expect(toHex(blob!.packet.subarray(0, 3))).toBe('890144');
    const p = parseSignaturePacket(blob!.packet);
    expect(p).toMatchObject({ version: 4, sigType: 0, pubkeyAlgorithm: 1, hashAlgorithm: 10, creationTime: 1795959711,
      issuerFingerprint: '36aa61b184447a3c3efdb78cdf1f936071f7a068', issuerKeyId: 'df1f936071f7a068' });
    expect(toHex(p.left16)).toBe('5c18');
    // 46 hashed subpacket bytes: suffix = 6-byte prefix + 46 + trailer 04 FF 00 00 00 34.
    expect(p.hashedSuffix.length).toBe(6 + 46 + 6);
    expect(toHex(p.hashedSuffix.subarray(-6))).toBe('04ff00000034');
    expect(p.mpis).toHaveLength(1);
    expect(p.salt.length).toBe(0);
  });

  it('reads the Ed25519 (EdDSA legacy) packet with two MPIs', async () => {
    const r = await readFile(join(example as string, 'pkgs', 'hello-demo-1.2.3-4.noarch.ed25519-signed.rpm'));
    const p = parseSignaturePacket(r.signatureHeader.signatures.find((s) => s.tag === 267)!.packet);
    expect(p).toMatchObject({ version: 4, pubkeyAlgorithm: 22, hashAlgorithm: 8, issuerKeyId: '6e53e5e7a51d3238' });
    expect(toHex(p.left16)).toBe('1833');
    expect(p.mpis).toHaveLength(2);
  });
});

describe.skipIf(corpus === null)('parseSignaturePacket on every corpus signature (skipped: ../shared/corpus absent)', () => {
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
