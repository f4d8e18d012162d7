import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { repomdXml } from '../../../src/core/repodata/repomd.js';
import type { RepomdRecord } from '../../../src/core/repodata/repomd.js';
import { rpmbuild, specBytes } from '../../helpers/rpmbuild.js';
import { run } from '../../helpers/run.js';
import { announceSkip, findTool, skipReason } from '../../helpers/tools.js';

const reason = skipReason({ tools: ['rpmbuild', 'createrepo_c'] });
announceSkip('repomd.xml vs createrepo_c', reason);
const work = mkdtempSync(join(tmpdir(), 'berth-repomd-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** The values of a createrepo_c repomd.xml, read back with a regex (no XML library needed). */
function recordsOf(xml: string): RepomdRecord[] {
  const out: RepomdRecord[] = [];
  for (const m of xml.matchAll(/<data type="([^"]+)">([\s\S]*?)<\/data>/g)) {
    const body = m[2] ?? '';
    const get = (re: RegExp): string | undefined => re.exec(body)?.[1];
    const num = (re: RegExp): number | undefined => {
      const v = get(re);
      return v === undefined ? undefined : Number(v);
    };
    const rec: RepomdRecord = {
      type: m[1] ?? '',
      checksum: get(/<checksum type="sha256">([0-9a-f]+)</) ?? '',
      location: get(/<location href="([^"]+)"/) ?? '',
      timestamp: num(/<timestamp>(\d+)</) ?? 0,
      size: num(/<size>(\d+)</) ?? 0,
    };
    const open = get(/<open-checksum type="sha256">([0-9a-f]+)</);
    if (open !== undefined) rec.openChecksum = open;
    const openSize = num(/<open-size>(\d+)</);
    if (openSize !== undefined) rec.openSize = openSize;
    const db = num(/<database_version>(\d+)</);
    if (db !== undefined) rec.databaseVersion = db;
    out.push(rec);
  }
  return out;
}

describe.skipIf(reason !== null)('repomd.xml vs createrepo_c 0.17.3', () => {
  it('reproduces createrepo_c\'s repomd.xml (with its sqlite records) byte for byte from its values, in any input order', async () => {
    await rpmbuild('berth-empty', specBytes('berth-empty'), join(work, 'repo'));
    await run(findTool('createrepo_c') as string, ['-q', '--revision', '1700000001', join(work, 'repo')]);
    const xml = readFileSync(join(work, 'repo', 'repodata', 'repomd.xml'), 'utf8');
    const records = recordsOf(xml);
    expect(records).toHaveLength(6);
    expect(repomdXml(records, { revision: '1700000001' })).toBe(xml);
    expect(repomdXml([...records].reverse(), { revision: '1700000001' })).toBe(xml);
  });
});

describe('repomdXml', () => {
  const rec = (type: string, extra: Partial<RepomdRecord> = {}): RepomdRecord => ({
    type,
    checksum: 'ab',
    location: `repodata/${type}`,
    timestamp: 1,
    size: 2,
    ...extra,
  });

  it('orders known types first, then the rest alphabetically', () => {
    const xml = repomdXml(
      ['updateinfo', 'other_zck', 'group', 'primary', 'filelists-ext', 'other', 'filelists'].map((t) => rec(t)),
      { revision: 'r' },
    );
    const types = [...xml.matchAll(/<data type="([^"]+)">/g)].map((m) => m[1]);
    expect(types).toEqual(['primary', 'filelists', 'other', 'other_zck', 'filelists-ext', 'group', 'updateinfo']);
  });

  it('writes open-* only when given, header-* for zck, tags, and no open-size for plain files', () => {
    const xml = repomdXml(
      [rec('group'), rec('primary_zck', { openChecksum: 'cd', openSize: 9, headerChecksum: 'ef', headerSize: 154 })],
      { revision: '7', tags: { content: ['binary'], distro: [{ value: 'Berth & co', cpeid: 'cpe:/o:x' }] } },
    );
    expect(xml).toContain(
      '  <revision>7</revision>\n  <tags>\n    <content>binary</content>\n    <distro cpeid="cpe:/o:x">Berth &amp; co</distro>\n  </tags>\n',
    );
    expect(xml).toContain(
      '    <open-checksum type="sha256">cd</open-checksum>\n    <header-checksum type="sha256">ef</header-checksum>\n    <location href="repodata/primary_zck"/>\n    <timestamp>1</timestamp>\n    <size>2</size>\n    <open-size>9</open-size>\n    <header-size>154</header-size>\n',
    );
    expect(xml).toContain('  <data type="group">\n    <checksum type="sha256">ab</checksum>\n    <location href="repodata/group"/>\n    <timestamp>1</timestamp>\n    <size>2</size>\n  </data>\n');
  });
});
