// The one repodata reader (src/core/repodata/read): repomd.xml and primary.xml fields, verbatim
// package text for createrepo --update, gz and multi-frame zstd through the Platform, and the
// bounds hostile input needs — no DOCTYPE/entities, no XML-forbidden characters, bounded tokens,
// elements, nesting and decompressed size — each asserted by counters (characters the reader
// pulled, characters one element held), not by time.
import { gzipSync, zstdCompressSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { nodePlatform } from '../../../src/adapters/node/platform.js';
import { metadataText } from '../../../src/core/repodata/read/metadata-text.js';
import { packageElements, type PackageReadStats } from '../../../src/core/repodata/read/packages.js';
import { primaryPackages } from '../../../src/core/repodata/read/primary.js';
import { readRepomd } from '../../../src/core/repodata/read/repomd.js';
import { SLICE } from '../../../src/core/repodata/read/xml-reader.js';
import { failure } from '../../helpers/failure.js';

async function* chunks(text: string, size: number): AsyncGenerator<string> {
  for (let i = 0; i < text.length; i += size) yield text.slice(i, i + size);
}
const bytesOf = (b: Uint8Array, chunk = 1000): ReadableStream<Uint8Array> => {
  let at = 0;
  return new ReadableStream({
    pull(c) {
      if (at >= b.length) return c.close();
      c.enqueue(b.slice(at, at + chunk));
      at += chunk;
    },
  });
};
async function all<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}
const PRIMARY = `<?xml version="1.0" encoding="UTF-8"?>
<metadata xmlns="http://linux.duke.edu/metadata/common" xmlns:rpm="http://linux.duke.edu/metadata/rpm" packages="3">
<package type="rpm">
  <name>a&amp;b</name>
  <arch>noarch</arch>
  <version epoch="2" ver="1.0" rel="3"/>
  <checksum type="sha256" pkgid="YES">ABCDEF0123456789</checksum>
  <summary>s &lt;ok&gt; é 😀</summary>
  <time file="1700000000" build="1"/>
  <size package="1234" installed="1" archive="1"/>
  <location xml:base="https://cdn.example/x/" href="Packages/a/a&amp;b-1.0-3.noarch.rpm"/>
  <format><rpm:provides><rpm:entry name="a" flags="EQ" epoch="2" ver="1.0" rel="3"/></rpm:provides></format>
</package>
<package type="rpm"><name>c</name><arch>src</arch><version epoch="0" ver="2" rel="1"/><checksum type="sha" pkgid="YES">0123456789abcdef</checksum><time file="5" build="1"/><size package="9"/><location href="c-2-1.src.rpm"/></package>
<package type="other"><name>ignored</name></package>
</metadata>
`;

describe('primary.xml', () => {
  it('reads each package across chunk boundaries, decoding entities and xml:base', async () => {
    for (const size of [7, 37, 4096]) {
      const got = await all(primaryPackages(chunks(PRIMARY, size)));
      expect(got).toEqual([
        { name: 'a&b', arch: 'noarch', epoch: 2, version: '1.0', release: '3', checksum: { type: 'sha256', value: 'abcdef0123456789' }, size: 1234,
          href: 'Packages/a/a&b-1.0-3.noarch.rpm', base: 'https://cdn.example/x/', time: 1700000000 },
        { name: 'c', arch: 'src', epoch: 0, version: '2', release: '1', checksum: { type: 'sha', value: '0123456789abcdef' }, size: 9,
          href: 'c-2-1.src.rpm', base: null, time: 5 },
      ]);
    }
  });

  it('keeps each element verbatim when asked (createrepo --update writes them back)', async () => {
    const els = await all(packageElements(chunks(PRIMARY, 13), { raw: true }));
    const starts = [...PRIMARY.matchAll(/<package /g)].map((m) => m.index);
    const ends = [...PRIMARY.matchAll(/<\/package>/g)].map((m) => (m.index as number) + '</package>'.length);
    expect(els.map((e) => e.raw)).toEqual(starts.map((s, i) => PRIMARY.slice(s, ends[i])));
  });

  it('refuses a package without what primary.xml must say, naming its position, not its content', async () => {
    const bad = PRIMARY.replace('<size package="9"/>', '');
    const e = await failure(all(primaryPackages(chunks(bad, 100))));
    expect(e).toMatchObject({ code: 'invalid_primary' });
    expect(e.message).toBe('primary.xml: package 2 has no usable <size>');
  });
});

describe('hostile XML', () => {
  it.each([
    ['a DOCTYPE with entities (billion laughs)', '<!DOCTYPE m [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]><metadata>&b;</metadata>'],
    ['an external entity', '<!DOCTYPE m [<!ENTITY x SYSTEM "file:///etc/passwd">]><metadata>&x;</metadata>'],
    ['an undeclared entity', '<metadata>&nbsp;</metadata>'],
    ['U+FFFE', '<metadata><package><name>\uFFFE</name></package></metadata>'],
    ['a reference to U+FFFF', '<metadata><package><name>&#xFFFF;</name></package></metadata>'],
    ['a reference to a C0 control', '<metadata><package><name>&#1;</name></package></metadata>'],
    ['a C0 control', '<metadata><package><name>\u0007</name></package></metadata>'],
    ['a reference to a surrogate', '<metadata><package><name>&#xD800;</name></package></metadata>'],
    ['another encoding', '<?xml version="1.0" encoding="ISO-8859-1"?><metadata/>'],
    ['unclosed at the end', '<metadata><package type="rpm"><name>x</name>'],
  ])('refuses %s', async (_what, xml) => {
    expect((await failure(all(packageElements(chunks(xml, 5))))).code).toBe('invalid_xml');
  });

  it('refuses bytes that are not UTF-8', async () => {
    const bytes = new Uint8Array([...new TextEncoder().encode('<metadata><package><name>'), 0xc3, 0x28, ...new TextEncoder().encode('</name></package></metadata>')]);
    expect((await failure(all(metadataText(bytesOf(bytes), 'primary.xml', nodePlatform)))).code).toBe('invalid_xml');
  });

  it('an unclosed <package> that never ends: reading stops at the element bound, the element never held more', async () => {
    let produced = 0;
    const endless = (async function* () {
      yield '<metadata><package type="rpm"><name>x</name><format>';
      for (;;) {
        const piece = '<rpm:entry name="libfoo.so.1()(64bit)"/>'.repeat(100);
        produced += piece.length;
        yield piece;
      }
    })();
    const stats: PackageReadStats = { chars: 0, packages: 0, maxElementChars: 0 };
    const e = await failure(all(packageElements(endless, { raw: true, limits: { maxElementChars: 256 * 1024 }, stats })));
    expect(e.code).toBe('xml_limit');
    expect(produced).toBeLessThanOrEqual(256 * 1024 + 2 * SLICE);
    expect(stats.maxElementChars).toBeLessThanOrEqual(256 * 1024 + SLICE);
  });

  it('a gzip bomb of one endless text: decompression stops within a slice of the token bound', async () => {
    const bomb = gzipSync(Buffer.concat([Buffer.from('<metadata><package type="rpm"><name>'), Buffer.alloc(64 * 1024 * 1024, 0x41)]));
    expect(bomb.length).toBeLessThan(100 * 1024);
    const stats = { bytes: 0 };
    const e = await failure(all(packageElements(metadataText(bytesOf(bomb), 'primary.xml.gz', nodePlatform, { stats }), { limits: { maxTokenChars: 1024 * 1024 } })));
    expect(e.code).toBe('xml_limit');
    // decompressed only as far as the reader pulled: the token bound plus a little, not 64 MiB
    expect(stats.bytes).toBeLessThan(4 * 1024 * 1024);
  });

  it('a gzip bomb of endless well-formed packages stops at the decompressed-size bound', async () => {
    const one = '<package type="rpm"><name>x</name><arch>noarch</arch><version epoch="0" ver="1" rel="1"/><checksum type="sha256">0123456789abcdef</checksum><size package="1"/><location href="x.rpm"/></package>\n';
    const bomb = gzipSync(`<metadata>${one.repeat(200_000)}</metadata>`);
    const stats = { bytes: 0 };
    const e = await failure(all(primaryPackages(metadataText(bytesOf(bomb), 'p.xml.gz', nodePlatform, { maxBytes: 2 * 1024 * 1024, stats }))));
    expect(e.code).toBe('xml_limit');
    expect(stats.bytes).toBeLessThanOrEqual(2 * 1024 * 1024 + 256 * 1024);
  });

  it('bounds nesting depth and attributes per element', async () => {
    expect((await failure(all(packageElements(chunks(`<metadata>${'<a>'.repeat(100)}`, 50), { limits: { maxDepth: 32 } })))).code).toBe('xml_limit');
    const attrs = Array.from({ length: 300 }, (_, i) => `a${i}="x"`).join(' ');
    expect((await failure(all(packageElements(chunks(`<metadata><package ${attrs}/></metadata>`, 50))))).code).toBe('xml_limit');
  });
});

describe('compression', () => {
  const text = PRIMARY;
  it('reads gzip with several members and zstd with several frames (and skippable ones)', async () => {
    const third = Math.floor(text.length / 3);
    const parts = [text.slice(0, third), text.slice(third, 2 * third), text.slice(2 * third)];
    const gz = Buffer.concat(parts.map((p) => gzipSync(p)));
    const skippable = Buffer.alloc(12);
    skippable.writeUInt32LE(0x184d2a5e, 0);
    skippable.writeUInt32LE(4, 4);
    const zst = Buffer.concat([zstdCompressSync(Buffer.from(parts[0]!)), skippable, zstdCompressSync(Buffer.from(parts[1]!)), zstdCompressSync(Buffer.from(parts[2]!))]);
    for (const chunk of [1, 7, 1000]) {
      expect((await all(metadataText(bytesOf(gz, chunk), 'primary.xml.gz', nodePlatform))).join('')).toBe(text);
      expect((await all(metadataText(bytesOf(zst, chunk), 'primary.xml.zst', nodePlatform))).join('')).toBe(text);
    }
    expect((await all(metadataText(bytesOf(Buffer.from(text)), 'primary.xml', nodePlatform))).join('')).toBe(text);
  });

  it('refuses a truncated zstd frame, corrupt gzip and unsupported suffixes', async () => {
    const zst = zstdCompressSync(Buffer.from(text));
    expect((await failure(all(metadataText(bytesOf(zst.subarray(0, zst.length - 5)), 'p.xml.zst', nodePlatform)))).code).toBe('invalid_compression');
    expect((await failure(all(metadataText(bytesOf(Buffer.from('not gzip at all')), 'p.xml.gz', nodePlatform)))).code).toBe('invalid_compression');
    for (const name of ['p.xml.xz', 'p.xml.bz2', 'p.xml.zck', 'p.sqlite']) {
      expect((await failure(all(metadataText(bytesOf(Buffer.from(text)), name, nodePlatform)))).code, name).toBe('unsupported_compression');
    }
  });

  it('stopping early cancels the source', async () => {
    let cancelled = false;
    const src = new ReadableStream<Uint8Array>({
      pull: (c) => c.enqueue(new TextEncoder().encode('<metadata>')),
      cancel: () => void (cancelled = true),
    });
    for await (const t of metadataText(src, 'p.xml', nodePlatform)) {
      expect(t).toContain('<metadata>');
      break;
    }
    expect(cancelled).toBe(true);
  });
});

describe('repomd.xml', () => {
  const repomd = `<?xml version="1.0" encoding="UTF-8"?>
<repomd xmlns="http://linux.duke.edu/metadata/repo" xmlns:rpm="http://linux.duke.edu/metadata/rpm">
  <revision>1700000000</revision>
  <data type="primary">
    <checksum type="sha256">AA00000000000000000000000000000000000000000000000000000000000000</checksum>
    <open-checksum type="sha256">bb00000000000000000000000000000000000000000000000000000000000000</open-checksum>
    <location href="repodata/aa-primary.xml.gz"/>
    <timestamp>1700000001</timestamp>
    <size>123</size>
    <open-size>456</open-size>
  </data>
  <data type="group"><checksum type="sha">0123456789abcdef0123456789abcdef01234567</checksum><location xml:base="http://elsewhere/" href="comps.xml"/></data>
</repomd>`;
  it('reads the revision and each record', () => {
    expect(readRepomd(repomd)).toEqual({
      revision: '1700000000',
      entries: [
        { type: 'primary', checksum: { type: 'sha256', value: `aa${'0'.repeat(62)}` }, openChecksum: { type: 'sha256', value: `bb${'0'.repeat(62)}` },
          href: 'repodata/aa-primary.xml.gz', base: null, size: 123, openSize: 456, timestamp: 1700000001 },
        { type: 'group', checksum: { type: 'sha', value: '0123456789abcdef0123456789abcdef01234567' }, openChecksum: null,
          href: 'comps.xml', base: 'http://elsewhere/', size: null, openSize: null, timestamp: null },
      ],
    });
  });

  it('refuses what is not a usable repomd.xml', () => {
    expect(() => readRepomd('<metalink/>')).toThrow(expect.objectContaining({ code: 'invalid_repomd' }));
    expect(() => readRepomd('<repomd><data type="primary"><location href="x"/></data></repomd>')).toThrow(expect.objectContaining({ code: 'invalid_repomd' }));
    expect(() => readRepomd('<!DOCTYPE r [<!ENTITY e "x">]><repomd/>')).toThrow(expect.objectContaining({ code: 'invalid_xml' }));
  });
});
