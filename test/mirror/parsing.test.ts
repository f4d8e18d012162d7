// Metalink choice and package selection, on small documents (primary.xml reading: test/core/repodata/read.test.ts).
import { describe, expect, it } from 'vitest';
import { nodePlatform } from '../../src/adapters/node/platform.js';
import { matchesMetalink, parseMetalink } from '../../src/mirror/metalink.js';
import type { UpstreamPackage } from '../../src/mirror/primary.js';
import { emptySelectionWarning, globToRegExp, selectPackages } from '../../src/mirror/select.js';
import { createHash } from 'node:crypto';

const repomd = new TextEncoder().encode('<repomd>current</repomd>\n');
const old = new TextEncoder().encode('<repomd>previous</repomd>\n');
const hex = (alg: string, b: Uint8Array): string => createHash(alg).update(b).digest('hex');

function metalink(mainSha512: string, altSha256: string): string {
  return `<?xml version="1.0"?>
<metalink version="3.0" xmlns="http://www.metalinker.org/" xmlns:mm0="http://fedorahosted.org/mirrormanager">
 <files><file name="repomd.xml">
  <mm0:timestamp>1</mm0:timestamp><size>26</size>
  <verification><hash type="sha256">${hex('sha256', repomd)}</hash><hash type="sha512">${mainSha512}</hash></verification>
  <mm0:alternates><mm0:alternate><verification><hash type="md5">${hex('md5', old)}</hash><hash type="sha256">${altSha256}</hash></verification></mm0:alternate></mm0:alternates>
  <resources maxconnections="1">
   <url protocol="https" type="https" location="US" preference="50">https://b.example/repo/repodata/repomd.xml</url>
   <url protocol="https" type="https" location="DE" preference="100">https://a.example/repo/repodata/repomd.xml</url>
   <url protocol="rsync" type="rsync" preference="100">rsync://c.example/repo/repodata/repomd.xml</url>
  </resources>
 </file></files></metalink>`;
}

describe('metalink', () => {
  it('orders http(s) mirrors by preference and strips repodata/repomd.xml', () => {
    const ml = parseMetalink(metalink(hex('sha512', repomd), hex('sha256', old)));
    expect(ml.mirrors.map((m) => m.base)).toEqual(['https://a.example/repo/', 'https://b.example/repo/']);
  });

  it('checks the strongest hash of the main entry or of an alternate', () => {
    const ml = parseMetalink(metalink(hex('sha512', repomd), hex('sha256', old)));
    expect(matchesMetalink(repomd, ml, nodePlatform)).toBe(true);
    expect(matchesMetalink(old, ml, nodePlatform)).toBe(true);
    expect(matchesMetalink(new TextEncoder().encode('other'), ml, nodePlatform)).toBe(false);
  });

  it('a wrong sha512 beside a correct sha256 fails (the strongest type decides)', () => {
    const ml = parseMetalink(metalink('0'.repeat(128), hex('sha256', old)));
    expect(matchesMetalink(repomd, ml, nodePlatform)).toBe(false);
  });
});

const pkg = (name: string, version: string, arch = 'x86_64', epoch = 0): UpstreamPackage => ({
  name, arch, epoch, version, release: '1', checksum: { type: 'sha256', value: 'x' }, size: 1, href: `${name}-${version}.rpm`, base: null, time: 0,
});

describe('selection', () => {
  it('globs match whole names', () => {
    expect(globToRegExp('lib*-devel').test('libfoo-devel')).toBe(true);
    expect(globToRegExp('lib*-devel').test('libfoo-devel-x')).toBe(false);
    expect(globToRegExp('python3.[0-9]?').test('python3.11')).toBe(true);
    expect(globToRegExp('a[!b]c').test('abc')).toBe(false);
  });

  it('include, exclude, arches and newest-N per name and arch (rpm version order)', () => {
    const all = [pkg('kernel', '6.9'), pkg('kernel', '6.10'), pkg('kernel', '6.1'), pkg('kernel', '5.0', 'x86_64', 1),
      pkg('kernel', '6.10', 'aarch64'), pkg('kernel-doc', '1', 'noarch'), pkg('bash', '5')];
    const got = selectPackages(all, { include: ['kernel*'], exclude: ['*-doc'], arches: ['x86_64'], newest: 2 });
    expect(got.map((p) => `${p.epoch}:${p.version}.${p.arch}`)).toEqual(['0:6.10.x86_64', '1:5.0.x86_64']);
  });

  it('an arch list keeps noarch packages too (dnf installs them on every arch), not other arches or sources', () => {
    const all = [pkg('tool', '1'), pkg('tool', '1', 'aarch64'), pkg('tool-data', '1', 'noarch'), pkg('tool', '1', 'src'), pkg('tool', '1', 'i686')];
    const got = selectPackages(all, { include: [], exclude: [], arches: ['x86_64'], newest: null });
    expect(got.map((p) => `${p.name}.${p.arch}`)).toEqual(['tool.x86_64', 'tool-data.noarch']);
    expect(selectPackages(all, { include: [], exclude: [], arches: [], newest: null })).toHaveLength(5);
  });

  it('filters that select nothing of a non-empty upstream are worth a warning', () => {
    const sel = { include: ['kernal*'], exclude: [], arches: ['x86_64'], newest: null };
    expect(emptySelectionWarning(12, 0, sel)).toBe('the filters (include kernal*; arch x86_64) select none of the 12 upstream packages: the repository will be empty');
    expect(emptySelectionWarning(12, 1, sel)).toBeNull();
    expect(emptySelectionWarning(0, 0, sel)).toBeNull();
  });
});

describe('metalink through the bounded reader', () => {
  it('refuses a DOCTYPE and values past the bound', () => {
    expect(() => parseMetalink('<!DOCTYPE m [<!ENTITY e "x">]><metalink/>')).toThrow(expect.objectContaining({ code: 'invalid_metalink' }));
    const long = `<metalink><files><file name="repomd.xml"><verification><hash type="sha256">${'a'.repeat(10_000)}</hash></verification></file></files></metalink>`;
    expect(() => parseMetalink(long)).toThrow(/longer than/);
  });
});
