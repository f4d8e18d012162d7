// Metalink choice, package selection and primary.xml reading, on small documents.
import { describe, expect, it } from 'vitest';
import { nodePlatform } from '../../src/adapters/node/platform.js';
import { matchesMetalink, parseMetalink } from '../../src/mirror/metalink.js';
import { readUpstreamPackages, type UpstreamPackage } from '../../src/mirror/primary.js';
import { globToRegExp, selectPackages } from '../../src/mirror/select.js';
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
  name, arch, epoch, version, release: '1', checksumType: 'sha256', checksum: 'x', size: 1, href: `${name}-${version}.rpm`, base: null, time: 0,
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
});

describe('primary.xml', () => {
  it('reads packages across chunk boundaries, decoding entities and xml:base', async () => {
    const xml = `<?xml version="1.0" encoding="UTF-8"?>
<metadata xmlns="http://linux.duke.edu/metadata/common" xmlns:rpm="http://linux.duke.edu/metadata/rpm" packages="2">
<package type="rpm">
  <name>a&amp;b</name>
  <arch>noarch</arch>
  <version epoch="2" ver="1.0" rel="3"/>
  <checksum type="sha256" pkgid="YES">ABCDEF</checksum>
  <summary>s</summary>
  <time file="1700000000" build="1"/>
  <size package="1234" installed="1" archive="1"/>
  <location xml:base="https://cdn.example/x/" href="Packages/a/a&amp;b-1.0-3.noarch.rpm"/>
  <format><rpm:provides><rpm:entry name="a" flags="EQ" epoch="2" ver="1.0" rel="3"/></rpm:provides></format>
</package>
<package type="rpm"><name>c</name><arch>src</arch><version epoch="0" ver="2" rel="1"/><checksum type="sha" pkgid="YES">01</checksum><time file="5" build="1"/><size package="9"/><location href="c-2-1.src.rpm"/></package>
</metadata>`;
    const chunks = (async function* () {
      for (let i = 0; i < xml.length; i += 37) yield xml.slice(i, i + 37);
    })();
    const got = await readUpstreamPackages(chunks);
    expect(got).toEqual([
      { name: 'a&b', arch: 'noarch', epoch: 2, version: '1.0', release: '3', checksumType: 'sha256', checksum: 'abcdef', size: 1234,
        href: 'Packages/a/a&b-1.0-3.noarch.rpm', base: 'https://cdn.example/x/', time: 1700000000 },
      { name: 'c', arch: 'src', epoch: 0, version: '2', release: '1', checksumType: 'sha', checksum: '01', size: 9, href: 'c-2-1.src.rpm', base: null, time: 5 },
    ]);
  });
});
