// readRpm's options for a createrepo-style caller: only the changelog entries it writes, and the
// main header parsed where the source holds it.
import { describe, expect, it } from 'vitest';
import { nodePlatform } from '../../../src/adapters/node/platform.js';
import { readRpm } from '../../../src/core/rpm/index.js';
import { RpmFormatError } from '../../../src/core/errors.js';
import { bin, header, i32, i64, rpmFile, str, strs, type Value } from './build-rpm.js';
import { chunks } from './support.js';

const main: Record<number, Value> = {
  1000: str('logs'), 1001: str('1'), 1002: str('1'), 1022: str('noarch'), 1044: str('logs-1-1.src.rpm'),
  1080: i32(500, 400, 300, 200, 100), 1081: strs('e <e@x>', 'd <d@x>', 'c <c@x>', 'b <b@x>', 'a <a@x>'),
  1082: strs('- five', '- four', '- three', '- two', '- one'),
};
const file = rpmFile({ sig: header({ 1000: i32(0) }, 62), main: header(main, 63), payload: new TextEncoder().encode('payload') });

describe('readRpm options', () => {
  it('changelogLimit reads only the newest entries; negative or absent reads all', async () => {
    const all = (await readRpm(chunks(file, 9), nodePlatform)).pkg.changelog;
    expect(all.map((c) => c.text)).toEqual(['- five', '- four', '- three', '- two', '- one']);
    for (const [limit, n] of [[2, 2], [0, 0], [5, 5], [9, 5], [-1, 5]] as const) {
      const got = (await readRpm(chunks(file, 9), nodePlatform, { changelogLimit: limit })).pkg.changelog;
      expect(got, `limit ${limit}`).toEqual(all.slice(0, n));
    }
  });

  it('transientHeader parses the main header in the source\'s memory, to the same package', async () => {
    const copied = await readRpm([file], nodePlatform, { digests: 'none', transientChunks: true });
    const inPlace = await readRpm([file], nodePlatform, { digests: 'none', transientChunks: true, transientHeader: true });
    expect(inPlace.pkg).toEqual(copied.pkg);
    expect(inPlace.header).toEqual(copied.header);
    expect(inPlace.header.buffer).toBe(file.buffer);
    expect(copied.header.buffer).not.toBe(file.buffer);
  });

  it('signatures: false reports no signatures or digests, and refuses what a full read refuses', async () => {
    const b64 = Buffer.from([0x89, 0x00, 0x01, 0x04]).toString('base64');
    const sig = { 267: bin(new Uint8Array([1, 2])), 269: str('ABCDEF'), 270: i64(123), 278: strs(b64), 1000: i32(9), 1004: bin(new Uint8Array(16)) };
    const signed = rpmFile({ sig: header(sig, 62), main: header({ ...main, 5092: strs('AB'), 5093: i32(8) }, 63), payload: new Uint8Array(3) });
    const full = await readRpm([signed], nodePlatform, { digests: 'none' });
    expect(full.signatureHeader.signatures).toHaveLength(2);
    expect(full.payloadDigest).toEqual({ hex: 'ab', algorithm: 8 });
    const bare = await readRpm([signed], nodePlatform, { digests: 'none', signatures: false });
    expect(bare.signatureHeader).toEqual({ headerSha1: null, headerSha256: null, headerSha3_256: null, md5: null, size: null, signatures: [] });
    expect(bare.payloadDigest).toBeNull();
    expect(bare.pkg).toEqual(full.pkg);
    // still checked: a bad MD5 length or an OpenPGP packet that is not base64
    for (const [bad, code] of [[{ 1004: bin(new Uint8Array(15)) }, 'rpm.signature.md5'], [{ 278: strs('not base64!') }, 'rpm.signature.base64']] as const) {
      const f = rpmFile({ sig: header({ 1000: i32(9), ...bad }, 62), main: header(main, 63), payload: new Uint8Array(3) });
      for (const signatures of [true, false]) {
        const e = await readRpm([f], nodePlatform, { digests: 'none', signatures }).then(() => null, (x: unknown) => x);
        expect(e, `${code} signatures ${signatures}`).toBeInstanceOf(RpmFormatError);
        expect((e as RpmFormatError).code).toBe(code);
      }
    }
  });

  it('a synchronous source reusing one buffer gives the same package at every chunk boundary', async () => {
    // every chunk copied into the same buffer, as createrepo reads files: what the reader keeps
    // must not change when the next chunk overwrites it
    function* reused(bytes: Uint8Array, size: number): Generator<Uint8Array> {
      const buf = new Uint8Array(size);
      for (let i = 0; i < bytes.length; i += size) {
        const n = Math.min(size, bytes.length - i);
        buf.set(bytes.subarray(i, i + n));
        yield buf.subarray(0, n);
      }
    }
    const want = await readRpm([file], nodePlatform, { digests: 'none' });
    const sizes = [1, 2, 3, 5, 7, 8, 15, 16, 17, 95, 96, 97, 100, 111, 112, 113, 127, 128, 200, 256, 300, file.length - 1, file.length];
    for (const size of sizes) {
      const got = await readRpm(reused(file, size), nodePlatform, { digests: 'none', transientChunks: true, transientHeader: true, signatures: false });
      expect(got.pkg, `chunks of ${size}`).toEqual(want.pkg);
      expect(got.computed.fileSize).toBe(file.length);
      expect(got.computed.headerPayloadSize).toBe(want.computed.headerPayloadSize);
    }
  });
});
