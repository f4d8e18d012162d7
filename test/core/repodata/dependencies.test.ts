import { describe, expect, it } from 'vitest';
import type { Dependency } from '../../../src/core/model.js';
import { dependencyEntries } from '../../../src/core/repodata/dependencies.js';
import type { DepEntry } from '../../../src/core/repodata/dependencies.js';
import { primaryFragment } from '../../../src/core/repodata/primary.js';
import { emptyPackage, record } from './hello-demo.fixture.js';

const dep = (name: string, flags = 0, version = ''): Dependency => ({ name, flags, version });
const names = (l: DepEntry[]): string[] => l.map((e) => (e.pre ? `${e.name}!pre` : e.name));

describe('requires rules (formats.md §3.3, createrepo_c 0.17.3 order)', () => {
  it('drops rpmlib( requires', () => {
    const { lists } = dependencyEntries(emptyPackage({ requires: [dep('rpmlib(X)', 0x100000a, '1'), dep('rpmlibfoo')] }));
    expect(names(lists.requires)).toEqual(['rpmlibfoo']);
  });

  it('drops own files only when they are primary files', () => {
    const pkg = emptyPackage({
      files: [
        { path: '/usr/bin/tool', type: 'file' },
        { path: '/usr/share/tool/data', type: 'file' },
      ],
      requires: [dep('/usr/bin/tool'), dep('/usr/share/tool/data'), dep('/usr/bin/other')],
    });
    expect(names(dependencyEntries(pkg).lists.requires)).toEqual(['/usr/share/tool/data', '/usr/bin/other']);
  });

  it('drops requires equal (name, flag name, version) to an own provide', () => {
    const pkg = emptyPackage({
      provides: [dep('cap', 8, '1.0'), dep('other', 0)],
      // flags differ in non-sense bits only: still the same flag name → dropped
      requires: [dep('cap', 8 | 0x10000000, '1.0'), dep('cap', 12, '1.0'), dep('cap', 8, '2.0'), dep('other', 0x4000)],
    });
    expect(dependencyEntries(pkg).lists.requires.map((e) => `${e.name} ${e.flags} ${e.ver}`)).toEqual([
      'cap GE 1.0',
      'cap EQ 2.0',
    ]);
  });

  it('sets pre for PREREQ, SCRIPT_PRE, SCRIPT_POST; trans only with preIncludesTrans', () => {
    const pkg = emptyPackage({
      requires: [dep('a', 0x40), dep('b', 0x200), dep('c', 0x400), dep('d', 0x80), dep('e', 0x20), dep('f', 0x800), dep('g', 0x1000)],
    });
    expect(names(dependencyEntries(pkg).lists.requires)).toEqual(['a!pre', 'b!pre', 'c!pre', 'd', 'e', 'f', 'g']);
    expect(names(dependencyEntries(pkg, { preIncludesTrans: true }).lists.requires)).toEqual([
      'a!pre', 'b!pre', 'c!pre', 'd!pre', 'e!pre', 'f', 'g',
    ]);
  });

  it('skips a require identical to the last kept one of the same name', () => {
    const pkg = emptyPackage({
      requires: [
        dep('/bin/sh', 0x300),
        dep('/bin/sh', 0x400), // same flags "", version "", pre → skipped
        dep('/bin/sh', 0x4000), // pre differs → kept
        dep('/bin/sh', 0x200), // differs from the *last kept* (no pre) → kept again
        dep('x', 12, '1'),
        dep('x', 12, '2'),
        dep('x', 12, '1'), // differs from last kept (2) → kept
      ],
    });
    expect(dependencyEntries(pkg).lists.requires.map((e) => `${e.name}${e.pre ? '!pre' : ''}${e.ver}`)).toEqual([
      '/bin/sh!pre', '/bin/sh', '/bin/sh!pre', 'x1', 'x2', 'x1',
    ]);
  });

  it('keeps only the highest libc.so.6 require and puts it last', () => {
    const pkg = emptyPackage({
      requires: [
        dep('libc.so.6()(64bit)'),
        dep('libc.so.6(GLIBC_2.17)(64bit)'),
        dep('zlib'),
        dep('libc.so.6(GLIBC_2.3.4)(64bit)'),
        dep('libc.so.6(GLIBC_2.34)(64bit)'),
        dep('libc.so.6(GLIBC_2.4)(64bit)'),
      ],
    });
    expect(names(dependencyEntries(pkg).lists.requires)).toEqual(['zlib', 'libc.so.6(GLIBC_2.34)(64bit)']);
  });

  it('moves MISSINGOK requires to recommends, before the package recommends', () => {
    const pkg = emptyPackage({ requires: [dep('weak', 1 << 19), dep('strong')], recommends: [dep('rec')] });
    const { lists } = dependencyEntries(pkg);
    expect(names(lists.requires)).toEqual(['strong']);
    expect(names(lists.recommends)).toEqual(['weak', 'rec']);
    expect(names(dependencyEntries(pkg, { legacyWeakDeps: false }).lists.requires)).toEqual(['weak', 'strong']);
  });

  it('maps legacy OLDSUGGESTS/OLDENHANCES by the strong bit', () => {
    const strong = 1 << 27;
    const pkg = emptyPackage({
      suggests: [dep('s0')],
      oldSuggests: [dep('s1'), dep('r1', strong)],
      oldEnhances: [dep('e1'), dep('p1', strong)],
    });
    const { lists } = dependencyEntries(pkg);
    expect(names(lists.suggests)).toEqual(['s0', 's1']);
    expect(names(lists.recommends)).toEqual(['r1']);
    expect(names(lists.enhances)).toEqual(['e1']);
    expect(names(lists.supplements)).toEqual(['p1']);
    expect(dependencyEntries(pkg, { legacyWeakDeps: false }).lists.recommends).toEqual([]);
  });

  it('drops a dependency with a non-numeric epoch and reports it', () => {
    const pkg = emptyPackage({ provides: [dep('a', 8, 'x:1.0'), dep('b', 8, ' 1:1.0')], conflicts: [dep('c', 0, 'abc:1')] });
    const r = dependencyEntries(pkg);
    expect(names(r.lists.provides)).toEqual(['b']);
    expect(r.lists.provides[0]?.epoch).toBe(' 1');
    expect(r.lists.conflicts).toEqual([]);
    expect(r.dropped.map((d) => `${d.from}:${d.name}`)).toEqual(['provides:a', 'conflicts:c']);
  });
});

describe('lookups by scan (few dependencies) and by set or map (many) agree', () => {
  // unrelated padding pushes a package past the scan limits (32 provides, 64 requires, 4,096
  // files × requires)
  const pad = (n: number, what: string): Dependency[] => Array.from({ length: n }, (_, i) => dep(`pad-${what}-${i}`, 8, '1'));
  const files = Array.from({ length: 80 }, (_, i) => ({ path: `/usr/share/pad/${i}`, type: 'file' as const }));
  const kept = (l: DepEntry[]): string[] => l.filter((e) => !e.name.startsWith('pad-')).map((e) => `${e.name}${e.pre ? '!pre' : ''} ${e.flags} ${e.ver}`);
  const cases = (many: boolean): ReturnType<typeof dependencyEntries> =>
    dependencyEntries(
      emptyPackage({
        files: [{ path: '/usr/bin/tool', type: 'file' }, ...(many ? files : [])],
        provides: [...(many ? pad(40, 'p') : []), dep('cap', 8, '1.0'), dep('ab', 8, '1'), dep('x:y', 0, 'bad:1')],
        requires: [
          ...(many ? pad(70, 'r') : []),
          dep('cap', 8 | 0x10000000, '1.0'), // same key as a provide: dropped
          dep('cap', 12, '1.0'),
          dep('abEQ', 0, '1'), // "abEQ" + "" + "1" is the key of provide ab EQ 1: dropped, as createrepo_c
          dep('/usr/bin/tool'), // own primary file: dropped
          dep('/bin/sh', 0x300),
          dep('/bin/sh', 0x400), // same as the last kept /bin/sh: skipped
          dep('/bin/sh', 0x4000),
          dep('x', 12, '1'),
          dep('x', 12, '2'),
          dep('x', 12, '1'),
        ],
      }),
    );

  it('keeps and drops the same requires either way', () => {
    const few = cases(false);
    const many = cases(true);
    expect(many.lists.requires.length).toBe(few.lists.requires.length + 70);
    expect(kept(few.lists.requires)).toEqual(['cap GE 1.0', '/bin/sh!pre null ', '/bin/sh null ', 'x GE 1', 'x GE 2', 'x GE 1']);
    expect(kept(many.lists.requires)).toEqual(kept(few.lists.requires));
    expect(many.dropped).toEqual(few.dropped);
  });
});

describe('entry attributes', () => {
  const xmlOf = (d: Dependency): string => {
    const frag = primaryFragment(record(emptyPackage({ provides: [d] })));
    return /<rpm:entry [^\n]*\/>/.exec(frag)?.[0] ?? '';
  };

  it('maps sense flags and writes epoch 0 when absent', () => {
    expect(xmlOf(dep('a', 2, '1.0'))).toBe('<rpm:entry name="a" flags="LT" epoch="0" ver="1.0"/>');
    expect(xmlOf(dep('a', 4, '1:1.0-2'))).toBe('<rpm:entry name="a" flags="GT" epoch="1" ver="1.0" rel="2"/>');
    expect(xmlOf(dep('a', 10, '1.0-2-3'))).toBe('<rpm:entry name="a" flags="LE" epoch="0" ver="1.0" rel="2-3"/>');
    expect(xmlOf(dep('a', 12, ':1.0'))).toBe('<rpm:entry name="a" flags="GE" epoch="0" ver="1.0"/>');
  });

  it('writes no evr without a flag name, and none for an empty version', () => {
    expect(xmlOf(dep('a', 6, '1.0'))).toBe('<rpm:entry name="a"/>');
    expect(xmlOf(dep('a', 0, '1.0'))).toBe('<rpm:entry name="a"/>');
    expect(xmlOf(dep('a', 8, ''))).toBe('<rpm:entry name="a" flags="EQ"/>');
    expect(xmlOf(dep('a', 8, '1:'))).toBe('<rpm:entry name="a" flags="EQ" epoch="1"/>');
  });

  it('escapes names (rich deps, special characters)', () => {
    expect(xmlOf(dep('weird-cap(a<b&c)', 8, '1:2.0-3'))).toBe(
      '<rpm:entry name="weird-cap(a&lt;b&amp;c)" flags="EQ" epoch="1" ver="2.0" rel="3"/>',
    );
  });

  it('leaves out the list element when empty and writes it short when only nameless entries', () => {
    const frag = primaryFragment(record(emptyPackage({ conflicts: [dep('')] })));
    expect(frag).toContain('    <rpm:conflicts/>\n');
    expect(frag).not.toContain('<rpm:provides');
  });
});
