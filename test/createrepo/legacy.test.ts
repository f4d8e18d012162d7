// Legacy packages (RPM v3 headers, no immutable region: built by rpm < 4.0) and headers that
// need rpm's source/binary retrofit, built here byte by byte (rpmbuild cannot make them), then
// berth createrepo against createrepo_c 0.17.3, which reads them through rpm 4.18's retrofits.
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { berthCliPresent } from '../helpers/berth.js';
import { diffRepos, formatDifferences } from '../helpers/repodiff.js';
import { announceSkip, skipReason } from '../helpers/tools.js';
import { bin, header, i16, i18n, i32, rpmFile, str, strs, type Value } from '../core/rpm/build-rpm.js';
import { generateBoth, type BothResult } from './generate.js';

const reason = skipReason({ tools: ['createrepo_c'] }) ?? (berthCliPresent() ? null : 'berth CLI not present');
announceSkip('legacy headers vs createrepo_c', reason);

const work = mkdtempSync(join(tmpdir(), 'berth-legacy-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const EQ = 8;

/** A package rpm 4.18 reads: lead signature type 5, header SHA1 and header+payload MD5 in the signature. */
function rpm(name: string, tags: Record<number, Value>, region: 63 | null): Uint8Array {
  const main = header({
    1000: str(name), 1001: str('1.2'), 1002: str('3'), 1004: i18n(`${name} summary`), 1005: i18n(`${name} description`),
    1006: i32(900_000_000), 1014: str('GPL'), 1022: str('i386'), 1124: str('cpio'), 1125: str('gzip'), ...tags,
  }, region);
  const payload = gzipSync(Buffer.from('070701'));
  const md5 = createHash('md5').update(main).update(payload).digest();
  const sig = header({
    1000: i32(main.length + payload.length), 1004: bin(md5), 269: str(createHash('sha1').update(main).digest('hex')),
  }, region === null ? null : 62);
  return rpmFile({ sig, main, payload, signatureType: 5 });
}

const PACKAGES: Record<string, Uint8Array> = {
  'v3-plain': rpm('v3-plain', { 1044: str('v3-plain-1.2-3.src.rpm') }, null),
  'v3-epoch': rpm('v3-epoch', { 1044: str('v3-epoch-1.2-3.src.rpm'), 1003: i32(2) }, null),
  'v3-epoch0': rpm('v3-epoch0', { 1044: str('v3-epoch0-1.2-3.src.rpm'), 1003: i32(0) }, null),
  'v3-versioned': rpm('v3-versioned', {
    1044: str('v3-versioned-1.2-3.src.rpm'), 1047: strs('cap', 'v3-versioned'), 1112: i32(EQ, EQ), 1113: strs('1.0', '1.2-3'),
  }, null),
  'v3-unversioned': rpm('v3-unversioned', { 1044: str('v3-unversioned-1.2-3.src.rpm'), 1047: strs('old-cap') }, null),
  'v3-unversioned-flags': rpm('v3-unversioned-flags', { 1044: str('v3-unversioned-flags-1.2-3.src.rpm'), 1047: strs('old-cap'), 1112: i32(EQ) }, null),
  'v3-files': rpm('v3-files', {
    1027: strs('/usr/bin/v3-files', '/usr/share/doc/v3-files'), 1030: i16(0o100755, 0o40755), 1037: i32(0, 0),
  }, null),
  'v3-source': rpm('v3-source', { 1106: i32(1) }, null),
  'v3-source-heuristic': rpm('v3-source-heuristic', { 1027: strs('v3.spec', 'v3.tar.gz'), 1030: i16(0o100644, 0o100644), 1037: i32(32, 0) }, null),
  'v4-neither': rpm('v4-neither', {}, 63),
  'v4-both': rpm('v4-both', { 1106: i32(1), 1044: str('other.src.rpm') }, 63),
  'v4-self': rpm('v4-self', { 1044: str('v4-self-1.2-3.src.rpm'), 1047: strs('v4-self'), 1112: i32(EQ), 1113: strs('1.2-3') }, 63),
};

describe.skipIf(reason !== null)('legacy and retrofitted headers: berth createrepo vs createrepo_c', () => {
  let out: BothResult;

  beforeAll(async () => {
    const tree = join(work, 'tree');
    mkdirSync(tree, { recursive: true });
    for (const [name, bytes] of Object.entries(PACKAGES)) writeFileSync(join(tree, `${name}.rpm`), bytes);
    out = await generateBoth(work, tree, 'legacy');
  }, 120_000);

  it('createrepo_c reads every package (so the comparison covers them all)', () => {
    expect(out.c.packages.size).toBe(Object.keys(PACKAGES).length);
    expect(out.berthExit, out.berthStderr).toBe(0);
  });

  it('same packages, same fields: provides (self-provide retrofit), arch and sourcerpm included', () => {
    expect(formatDifferences(diffRepos(out.c, out.b), ['createrepo_c', 'berth'])).toBe('');
  });

  it('the v3 packages provide themselves in berth output; v3 source packages and v4 headers do not gain one', () => {
    const byName = new Map([...out.b.packages.values()].map((p) => [p.name, p]));
    const self = (name: string) => (byName.get(name)?.provides ?? []).filter((d) => d['name'] === name && d['flags'] === 'EQ');
    expect(self('v3-plain')).toEqual([{ name: 'v3-plain', flags: 'EQ', epoch: '0', ver: '1.2', rel: '3' }]);
    expect(self('v3-epoch')).toEqual([{ name: 'v3-epoch', flags: 'EQ', epoch: '2', ver: '1.2', rel: '3' }]);
    expect(self('v3-files')).toHaveLength(1);
    expect(byName.get('v3-files')?.sourcerpm).toBe('(none)');
    expect(self('v3-source')).toEqual([]);
    expect(self('v3-source-heuristic')).toEqual([]);
    expect(byName.get('v3-source-heuristic')?.arch).toBe('src');
    expect(self('v4-neither')).toEqual([]);
    expect(self('v4-self')).toHaveLength(1);
  });
});
