import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { gunzipSync, zstdDecompressSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { nodePlatform } from '../../../src/adapters/node/platform.js';
import { BerthError } from '../../../src/core/errors.js';
import { writeXmlFile, xmlFooter, xmlHeader } from '../../../src/core/repodata/xml-file.js';
import type { CompressedChunk, XmlFileStream } from '../../../src/core/repodata/xml-file.js';

/** The zstd CLI (libzstd, as libsolv uses it) decodes concatenated frames; Node does not. */
const zstdTool = spawnSync('zstd', ['--version']).status === 0;

const sha256 = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

/** Distinct, multi-byte fragments so chunk order and UTF-8 encoding both matter. */
const frags = (n: number, from = 0): string[] =>
  Array.from({ length: n }, (_, i) => `<package pkgid="${i + from}">\n  <x>é ${i + from} &amp;</x>\n</package>\n`);

async function* lazily<T>(items: T[]): AsyncGenerator<T> {
  for (const i of items) yield i;
}

async function drain(s: XmlFileStream): Promise<Uint8Array[]> {
  const members: Uint8Array[] = [];
  for await (const m of s.bytes) members.push(m);
  return members;
}

const concat = (parts: Uint8Array[]): Uint8Array => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
};

describe('writeXmlFile', () => {
  it('gzip members: each decompresses to its part, the whole file gunzips to the exact XML', async () => {
    const items = frags(10);
    const expected = xmlHeader('other', 10) + items.join('') + xmlFooter('other');
    const s = writeXmlFile('other', 10, lazily(items), nodePlatform, { codec: 'gz', chunkPackages: 4 });
    const members = await drain(s);
    // header, 4 + 4 + 2 packages, footer
    expect(members).toHaveLength(5);
    const texts = members.map((m) => gunzipSync(m).toString('utf8'));
    expect(texts[0]).toBe(xmlHeader('other', 10));
    expect(texts[1]).toBe(items.slice(0, 4).join(''));
    expect(texts[3]).toBe(items.slice(8).join(''));
    expect(texts[4]).toBe('</otherdata>');
    const file = concat(members);
    expect(gunzipSync(file).toString('utf8')).toBe(expected);
    const open = new TextEncoder().encode(expected);
    expect(await s.digest).toEqual({
      checksum: sha256(file),
      size: file.length,
      openChecksum: sha256(open),
      openSize: open.length,
    });
  });

  it('zstd: one frame per member; the zstd tool decodes the concatenation whole', async () => {
    const items = frags(5);
    const expected = xmlHeader('filelists', 5) + items.join('') + xmlFooter('filelists');
    const s = writeXmlFile('filelists', 5, items, nodePlatform, { codec: 'zstd', chunkPackages: 2 });
    const members = await drain(s);
    expect(members).toHaveLength(5);
    // Node 24's zstd decoders stop after the first frame, so decode frame by frame here
    expect(members.map((m) => zstdDecompressSync(m).toString('utf8')).join('')).toBe(expected);
    const file = concat(members);
    expect((await s.digest).checksum).toBe(sha256(file));
    if (zstdTool) expect(execFileSync('zstd', ['-dc'], { input: file }).toString('utf8')).toBe(expected);
  });

  it('closes a chunk early at chunkBytes', async () => {
    const items = frags(6);
    const s = writeXmlFile('primary', 6, items, nodePlatform, { codec: 'gz', chunkPackages: 100, chunkBytes: 1 });
    expect(await drain(s)).toHaveLength(8);
  });

  it('reuses compressed chunks handed back from onChunk, with identical output', async () => {
    const items = frags(7);
    const cached: CompressedChunk[] = [];
    const first = writeXmlFile('primary', 7, items, nodePlatform, {
      codec: 'gz',
      chunkPackages: 3,
      onChunk: (c) => void cached.push(c),
    });
    const firstFile = concat(await drain(first));
    expect(cached.map((c) => c.packages)).toEqual([3, 3, 1]);
    const [c0, c1] = cached;
    if (!c0 || !c1) throw new Error('no chunks');
    // a later publish: two cached chunks, then the tail from fragments again (plus one new package)
    const more = frags(1, 7);
    const second = writeXmlFile('primary', 8, lazily<string | CompressedChunk>([c0, c1, ...items.slice(6), ...more]), nodePlatform, {
      codec: 'gz',
      chunkPackages: 3,
    });
    const secondMembers = await drain(second);
    expect(secondMembers[1]).toBe(c0.compressed);
    const text = gunzipSync(concat(secondMembers)).toString('utf8');
    expect(text).toBe(xmlHeader('primary', 8) + items.join('') + more.join('') + xmlFooter('primary'));
    const d = await second.digest;
    expect(d.openChecksum).toBe(sha256(new TextEncoder().encode(text)));
    // same inputs, same bytes (deterministic compression): rewriting 7 gives the first file
    const again = concat(await drain(writeXmlFile('primary', 7, lazily<string | CompressedChunk>([c0, c1, ...items.slice(6)]), nodePlatform, { codec: 'gz', chunkPackages: 3 })));
    expect(sha256(again)).toBe(sha256(firstFile));
  });

  it('writes header and footer only for an empty file, like createrepo_c', async () => {
    const s = writeXmlFile('primary', 0, [], nodePlatform, { codec: 'gz' });
    expect(gunzipSync(concat(await drain(s))).toString('utf8')).toBe(
      '<?xml version="1.0" encoding="UTF-8"?>\n<metadata xmlns="http://linux.duke.edu/metadata/common" xmlns:rpm="http://linux.duke.edu/metadata/rpm" packages="0">\n</metadata>',
    );
  });

  it('fails (iteration and digest) when the package count does not match the header', async () => {
    const s = writeXmlFile('other', 3, frags(2), nodePlatform, { codec: 'gz' });
    await expect(drain(s)).rejects.toMatchObject({ code: 'repodata-count-mismatch' });
    await expect(s.digest).rejects.toBeInstanceOf(BerthError);
  });

  it('rejects the digest when the consumer stops early', async () => {
    const s = writeXmlFile('other', 3, frags(3), nodePlatform, { codec: 'gz', chunkPackages: 1 });
    for await (const _ of s.bytes) break;
    await expect(s.digest).rejects.toMatchObject({ code: 'repodata-aborted' });
  });
});
