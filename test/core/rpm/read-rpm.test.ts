// Reader behaviour on synthetic packages: the rules of formats.md §1 one at a time.
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { nodePlatform } from '../../../src/adapters/node/platform.js';
import { BerthError, RpmFormatError } from '../../../src/core/errors.js';
import { readRpm } from '../../../src/core/rpm/index.js';
import { bin, header, i16, i18n, i32, i64, rpmFile, str, strs, type Value } from './build-rpm.js';
import { chunks } from './support.js';

const BASE: Record<number, Value> = {
  1000: str('demo'), 1001: str('1.0'), 1002: str('1'), 1022: str('x86_64'), 1044: str('demo-1.0-1.src.rpm'),
};
const payload = new TextEncoder().encode('payload bytes');

async function read(main: Record<number, Value>, o: { sig?: Record<number, Value>; region?: number | null; leadMajor?: number } = {}) {
  const file = rpmFile({
    leadMajor: o.leadMajor,
    sig: header(o.sig ?? { 1000: i32(0) }, 62),
    main: header({ ...BASE, ...main }, o.region === undefined ? 63 : o.region),
    payload,
  });
  return readRpm(chunks(file, 5), nodePlatform);
}

async function code(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'ok';
  } catch (e) {
    expect(e).toBeInstanceOf(RpmFormatError);
    return (e as RpmFormatError).code;
  }
}

describe('readRpm on synthetic packages', () => {
  it('defaults: epoch null, binary from SOURCERPM, empty lists, no digests', async () => {
    const r = await read({});
    expect(r.format).toBe(4);
    expect(r.pkg).toMatchObject({ name: 'demo', epoch: null, arch: 'x86_64', isSource: false, sourceRpm: 'demo-1.0-1.src.rpm', files: [], changelog: [], provides: [] });
    expect(r.payloadDigest).toBeNull();
    expect(r.computed.payloadSha256).toBe(createHash('sha256').update(payload).digest('hex'));
    expect(r.signatureHeader).toMatchObject({ headerSha1: null, md5: null, size: 0, signatures: [] });
  });

  it('source detection as rpm retrofits it and createrepo_c reads it: SOURCEPACKAGE ≠ 0 is source; neither tag: one "" directory is source', async () => {
    expect((await read({ 1106: i32(1) })).pkg).toMatchObject({ isSource: true, arch: 'src', sourceRpm: 'demo-1.0-1.src.rpm' });
    expect((await read({ 1106: i32(0) })).pkg).toMatchObject({ isSource: false, arch: 'x86_64' });
    const neither = async (extra: Record<number, Value>) =>
      (await readRpm(chunks(rpmFile({ sig: header({ 1000: i32(0) }, 62), main: header({ 1000: str('x'), 1001: str('1'), 1002: str('1'), 1022: str('noarch'), ...extra }, 63), payload }), 64), nodePlatform)).pkg;
    expect(await neither({})).toMatchObject({ isSource: false, arch: 'noarch', sourceRpm: '(none)' });
    expect(await neither({ 1116: i32(0), 1117: strs('x.spec'), 1118: strs('') })).toMatchObject({ isSource: true, arch: 'src', sourceRpm: '' });
    expect(await neither({ 1116: i32(0), 1117: strs('x'), 1118: strs('/usr/bin/') })).toMatchObject({ isSource: false, sourceRpm: '(none)' });
  });

  it('I18N strings take the "C" locale', async () => {
    const r = await read({ 100: strs('de', 'C'), 1004: i18n('Zusammenfassung', 'Summary'), 1016: i18n('only') });
    expect(r.pkg.summary).toBe('Summary');
    expect(r.pkg.group).toBe('only');
  });

  it('sizes: LONGSIZE over SIZE; archive size sig 271 > sig 1007 > main 1046 > main 5113', async () => {
    const big = 5 * 2 ** 32 + 7;
    expect((await read({ 1009: i32(10), 5009: i64(big) })).pkg.installedSize).toBe(big);
    expect((await read({ 1009: i32(10) })).pkg.installedSize).toBe(10);
    const main = { 1046: i32(3), 5113: i64(4) };
    expect((await read(main, { sig: { 271: i64(1), 1007: i32(2) } })).pkg.archiveSize).toBe(1);
    expect((await read(main, { sig: { 1007: i32(2) } })).pkg.archiveSize).toBe(2);
    expect((await read(main)).pkg.archiveSize).toBe(3);
    expect((await read({ 5113: i64(4) })).pkg.archiveSize).toBe(4);
  });

  it('files: dirnames/dirindexes, OLDFILENAMES, dir beats ghost, bad index gives the bare name', async () => {
    const r = await read({
      1030: i16(0o40755, 0o100644, 0o40755, 0o100644), 1037: i32(0, 0x40, 0x40, 0),
      1116: i32(0, 1, 0, 9), 1117: strs('a', 'b', 'c', 'd'), 1118: strs('/x/', '/y/'),
    });
    expect(r.pkg.files).toEqual([
      { path: '/x/a', type: 'dir' }, { path: '/y/b', type: 'ghost' }, { path: '/x/c', type: 'dir' }, { path: 'd', type: 'file' },
    ]);
    const old = await read({ 1027: strs('/etc/one', '/etc/two'), 1030: i16(0o100644, 0o40755) });
    expect(old.pkg.files).toEqual([{ path: '/etc/one', type: 'file' }, { path: '/etc/two', type: 'dir' }]);
  });

  it('dependencies incl. legacy weak deps, flags kept raw; changelog in lockstep', async () => {
    const r = await read({
      1156: strs('s1', 's2'), 1157: strs('1.0', ''), 1158: i32(1 << 27, 0),
      1159: strs('e1'), 1160: strs(''), 1161: i32(0),
      1080: i32(3, 2, 1), 1081: strs('a', 'b'), 1082: strs('x', 'y', 'z'),
    });
    expect(r.pkg.oldSuggests).toEqual([{ name: 's1', flags: 1 << 27, version: '1.0' }, { name: 's2', flags: 0, version: '' }]);
    expect(r.pkg.oldEnhances).toEqual([{ name: 'e1', flags: 0, version: '' }]);
    expect(r.pkg.changelog).toEqual([{ author: 'a', time: 3, text: 'x' }, { author: 'b', time: 2, text: 'y' }]);
  });

  it('invalid UTF-8 is re-encoded as createrepo_c does; valid text and controls are kept', async () => {
    const raw = new Uint8Array([0x63, 0x61, 0x66, 0xe9, 0x01, 0x09, 0x85, 0x41, 0]);
    const main = header({ ...BASE, 1005: { type: 'bin', value: raw } }, 63);
    // Retype DESCRIPTION as STRING in place: the builder writes BIN verbatim.
    const dv = new DataView(main.buffer);
    for (let i = 0; i < dv.getUint32(8); i++) {
      if (dv.getUint32(16 + 16 * i) !== 1005) continue;
      dv.setUint32(16 + 16 * i + 4, 6);
      dv.setUint32(16 + 16 * i + 12, 1);
    }
    const r = await readRpm(chunks(rpmFile({ sig: header({ 1000: i32(0) }, 62), main, payload }), 3), nodePlatform);
    expect(r.pkg.description).toBe('café\tA');
    expect((await read({ 1004: i18n('\u00e9t\u00e9 \u0001') })).pkg.summary).toBe('\u00e9t\u00e9 \u0001');
  });

  it('signature header: digests as hex, packets per tag and scope, 278 base64-decoded', async () => {
    const packet = new Uint8Array([0x89, 0x00, 0x01, 0x04]);
    const b64 = Buffer.from(packet).toString('base64');
    const md5 = new Uint8Array(16).fill(0xab);
    const r = await read({}, {
      sig: { 267: bin(packet), 269: str('ABCDEF'), 270: i64(123), 278: strs(b64, b64), 1000: i32(9), 1004: bin(md5), 1005: bin(packet) },
    });
    expect(r.signatureHeader).toMatchObject({ headerSha1: 'abcdef', size: 123, md5: 'ab'.repeat(16) });
    expect(r.signatureHeader.signatures.map((s) => [s.tag, s.scope, [...s.packet]])).toEqual([
      [267, 'header', [...packet]], [278, 'header', [...packet]], [278, 'header', [...packet]], [1005, 'legacy', [...packet]],
    ]);
    expect(await code(read({}, { sig: { 278: strs('not base64!') } }))).toBe('rpm.signature.base64');
  });

  it('formats: v3 without region, v6 by RPMFORMAT or lead 4, v6 without region refused', async () => {
    expect((await read({}, { region: null })).format).toBe(3);
    expect((await read({ 5114: i32(6) })).format).toBe(6);
    expect((await read({}, { leadMajor: 4 })).format).toBe(6);
    expect(await code(read({}, { leadMajor: 4, region: null }))).toBe('rpm.header.region');
    expect(await code(read({ 5114: i32(6) }, { region: null }))).toBe('rpm.header.region');
    expect(await code(read({}, { leadMajor: 2 }))).toBe('rpm.lead.version');
    // payloadFormat drpm parses; refusing delta rpms is the caller's decision.
    expect((await read({ 1124: str('drpm') })).pkg.payloadFormat).toBe('drpm');
  });

  it('structural errors name what is wrong', async () => {
    expect(await code(read({ 1000: i32(5) }))).toBe('rpm.header.tag-type');
    const noName = { ...BASE } as Record<number, Value>;
    delete noName[1000];
    const r = readRpm(chunks(rpmFile({ sig: header({ 1000: i32(0) }, 62), main: header(noName, 63), payload }), 9), nodePlatform);
    await expect(r).rejects.toThrow(/NAME/);
    // A region that does not cover the whole main header.
    const main = header(BASE, 63);
    const dv = new DataView(main.buffer);
    const trailer = 16 + 16 * dv.getUint32(8) + dv.getUint32(16 + 8);
    dv.setInt32(trailer + 8, -16);
    expect(await code(readRpm(chunks(rpmFile({ sig: header({ 1000: i32(0) }, 62), main, payload }), 9), nodePlatform))).toBe('rpm.header.region');
  });

  it('stream failures become rpm.read-failed; the caller\'s own BerthError passes through', async () => {
    const file = rpmFile({ sig: header({ 1000: i32(0) }, 62), main: header(BASE, 63), payload });
    async function* failing(err: unknown) {
      yield file.subarray(0, 200);
      throw err;
    }
    expect(await code(readRpm(failing(new Error('socket reset')), nodePlatform))).toBe('rpm.read-failed');
    await expect(readRpm(failing(new BerthError('upload.too-large', 'limit')), nodePlatform)).rejects.toMatchObject({ code: 'upload.too-large' });
    let cancelled = false;
    const stream = new ReadableStream<Uint8Array>({
      pull: (c) => c.enqueue(new Uint8Array(100)),
      cancel: () => void (cancelled = true),
    });
    expect(await code(readRpm(stream, nodePlatform))).toBe('rpm.bad-magic');
    expect(cancelled).toBe(true);
  });
});
