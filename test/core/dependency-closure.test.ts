// Dependency closure and the primary.xml dependency reader: rpm's range overlap, the newest
// provider, file requires, unresolved requirements, and the per-package bound (counted).
import { describe, expect, it } from 'vitest';
import { dependencyClosure, rangesOverlap } from '../../src/core/dependency-closure.js';
import { packageDependencies, type DepRef, type PackageDeps } from '../../src/core/repodata/read/package-deps.js';

const dep = (name: string, flags: string | null = null, ver = '', rel = '', epoch = 0): DepRef => ({ name, flags, epoch, ver, rel });
const pkg = (name: string, version: string, extra: Partial<PackageDeps> = {}): PackageDeps => ({
  checksum: `${name}-${version}`, name, arch: 'noarch', epoch: 0, version, release: '1', provides: [], requires: [], files: [], ...extra,
});

async function* once(text: string): AsyncGenerator<string> {
  yield text;
}

describe('rangesOverlap', () => {
  it('follows rpm: unversioned sides match, ranges overlap by direction, release counts only when both give one', () => {
    expect(rangesOverlap(dep('a', 'EQ', '2'), dep('a'))).toBe(true);
    expect(rangesOverlap(dep('a'), dep('a', 'GE', '9'))).toBe(true);
    expect(rangesOverlap(dep('a', 'EQ', '2', '1'), dep('a', 'GE', '2'))).toBe(true);
    expect(rangesOverlap(dep('a', 'EQ', '1', '9'), dep('a', 'GE', '2'))).toBe(false);
    expect(rangesOverlap(dep('a', 'EQ', '3'), dep('a', 'LT', '3'))).toBe(false);
    expect(rangesOverlap(dep('a', 'GE', '1'), dep('a', 'LT', '3'))).toBe(true);
    expect(rangesOverlap(dep('a', 'EQ', '1', '', 1), dep('a', 'GE', '9'))).toBe(true);
  });
});

describe('dependencyClosure', () => {
  it('takes the newest provider of each requirement, recursively, and by file; reports what nothing provides', () => {
    const root = pkg('app', '1', { requires: [dep('lib', 'GE', '2'), dep('/usr/bin/tool'), dep('rpmlib(PayloadIsZstd)'), dep('glibc'), dep('(a or b)')] });
    const pool = [
      root, pkg('lib', '1'), pkg('lib', '2', { requires: [dep('dep2')] }), pkg('lib', '3', { requires: [dep('dep2')] }),
      pkg('dep2', '1'), pkg('tools', '1', { files: ['/usr/bin/tool'] }), pkg('other', '1'),
    ];
    const c = dependencyClosure([root], pool);
    expect(c.added.map((p) => p.checksum)).toEqual(['lib-3', 'tools-1', 'dep2-1']);
    expect(c.unresolved).toEqual(['(a or b)', 'glibc']);
  });
});

describe('packageDependencies', () => {
  const primary = (entries: number): string => `<?xml version="1.0"?><metadata xmlns="http://linux.duke.edu/metadata/common" xmlns:rpm="http://linux.duke.edu/metadata/rpm" packages="1">
<package type="rpm"><name>foo</name><arch>noarch</arch><version epoch="1" ver="2" rel="3"/><checksum type="sha256" pkgid="YES">ABCDEF</checksum>
<format><rpm:provides><rpm:entry name="foo" flags="EQ" epoch="1" ver="2" rel="3"/></rpm:provides>
<rpm:requires>${'<rpm:entry name="bar" flags="GE" epoch="0" ver="1"/>'.repeat(entries)}</rpm:requires><file>/usr/bin/foo</file></format></package></metadata>`;

  it('reads NEVRA, checksum, provides, requires and files', async () => {
    const out: PackageDeps[] = [];
    for await (const p of packageDependencies(once(primary(1)))) out.push(p);
    expect(out).toEqual([{
      checksum: 'abcdef', name: 'foo', arch: 'noarch', epoch: 1, version: '2', release: '3',
      provides: [dep('foo', 'EQ', '2', '3', 1)], requires: [dep('bar', 'GE', '1')], files: ['/usr/bin/foo'],
    }]);
  });

  it('stops a package listing more than maxEntries (counted)', async () => {
    const read = async (): Promise<void> => {
      for await (const p of packageDependencies(once(primary(50)), { maxEntries: 20 })) void p;
    };
    await expect(read()).rejects.toMatchObject({ code: 'xml_limit' });
    let n = 0;
    for await (const p of packageDependencies(once(primary(18)), { maxEntries: 20 })) n += p.requires.length + p.provides.length + p.files.length;
    expect(n).toBe(20);
  });
});
