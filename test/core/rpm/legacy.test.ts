// Legacy (RPM v3: no immutable region) headers get rpm 4.18's self-provide retrofit; the same
// packages compared with createrepo_c are in test/createrepo/legacy.test.ts.
import { describe, expect, it } from 'vitest';
import { nodePlatform } from '../../../src/adapters/node/platform.js';
import { readRpm } from '../../../src/core/rpm/index.js';
import { header, i32, rpmFile, str, strs, type Value } from './build-rpm.js';
import { chunks } from './support.js';

const BASE: Record<number, Value> = {
  1000: str('oldie'), 1001: str('1.2'), 1002: str('3'), 1022: str('i386'), 1044: str('oldie-1.2-3.src.rpm'),
};
const payload = new TextEncoder().encode('payload bytes');
const EQ = 8;

async function provides(main: Record<number, Value>, region: number | null = null) {
  const file = rpmFile({ sig: header({ 1000: i32(0) }, region === null ? null : 62), main: header({ ...BASE, ...main }, region), payload });
  const r = await readRpm(chunks(file, 7), nodePlatform);
  return { format: r.format, provides: r.pkg.provides };
}

describe('legacy (v3) headers: the self-provide rpm retrofits', () => {
  it('a v3 binary package without provides provides name = version-release', async () => {
    expect(await provides({})).toEqual({ format: 3, provides: [{ name: 'oldie', flags: EQ, version: '1.2-3' }] });
  });

  it('the epoch is written whenever the tag is there, 0 included', async () => {
    expect((await provides({ 1003: i32(0) })).provides).toEqual([{ name: 'oldie', flags: EQ, version: '0:1.2-3' }]);
    expect((await provides({ 1003: i32(7) })).provides).toEqual([{ name: 'oldie', flags: EQ, version: '7:1.2-3' }]);
  });

  it('is appended after the versioned provides, even when the same provide is already there (rpm 4.18 does)', async () => {
    const p = await provides({ 1047: strs('foo', 'oldie'), 1112: i32(EQ, EQ), 1113: strs('1.0', '1.2-3') });
    expect(p.provides).toEqual([
      { name: 'foo', flags: EQ, version: '1.0' },
      { name: 'oldie', flags: EQ, version: '1.2-3' },
      { name: 'oldie', flags: EQ, version: '1.2-3' },
    ]);
  });

  it('unversioned provides (rpm < 3.0.3) get version "" and the self-provide after them', async () => {
    expect((await provides({ 1047: strs('bar', 'baz') })).provides).toEqual([
      { name: 'bar', flags: 0, version: '' },
      { name: 'baz', flags: 0, version: '' },
      { name: 'oldie', flags: EQ, version: '1.2-3' },
    ]);
    // with a flags array but no versions, the self-provide reads the first flag rpm appended (0)
    expect((await provides({ 1047: strs('bar'), 1112: i32(EQ) })).provides).toEqual([
      { name: 'bar', flags: EQ, version: '' },
      { name: 'oldie', flags: 0, version: '1.2-3' },
    ]);
  });

  it('not for source packages: SOURCEPACKAGE, or no SOURCERPM', async () => {
    const { 1044: _, ...noSourceRpm } = BASE;
    const extras: Record<number, Value>[] = [{ 1106: i32(1) }, { 1027: strs('oldie.spec', 'oldie.tar.gz') }];
    for (const extra of extras) {
      const file = rpmFile({ sig: header({ 1000: i32(0) }, null), main: header({ ...noSourceRpm, ...extra }, null), payload });
      const { pkg } = await readRpm(chunks(file, 7), nodePlatform);
      expect(pkg).toMatchObject({ arch: 'src', provides: [] });
    }
  });

  it('not for v4 headers (immutable region), which carry their self-provide themselves', async () => {
    expect(await provides({}, 63)).toEqual({ format: 4, provides: [] });
    expect((await provides({ 1047: strs('oldie'), 1112: i32(EQ), 1113: strs('1.2-3') }, 63)).provides).toEqual([{ name: 'oldie', flags: EQ, version: '1.2-3' }]);
  });

  it('a v3 header with neither SOURCERPM nor SOURCEPACKAGE and real paths is binary: "(none)" and the self-provide', async () => {
    const { 1044: _, ...noSourceRpm } = BASE;
    const file = rpmFile({ sig: header({ 1000: i32(0) }, null), main: header({ ...noSourceRpm, 1027: strs('/usr/bin/oldie') }, null), payload });
    const { pkg } = await readRpm(chunks(file, 7), nodePlatform);
    expect(pkg).toMatchObject({ arch: 'i386', isSource: false, sourceRpm: '(none)', provides: [{ name: 'oldie', flags: EQ, version: '1.2-3' }] });
    expect(pkg.files).toEqual([{ path: '/usr/bin/oldie', type: 'file' }]);
  });
});
