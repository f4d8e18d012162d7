// `berth createrepo --groupfile FILE` against createrepo_c 0.17 on the same tree and comps file:
// the same repomd records (group as it is, group_gz compressed), and dnf reads the groups.
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { berth, berthCliPresent } from '../helpers/berth.js';
import { dnfWithRepoFile } from '../helpers/dnf.js';
import { buildMany } from '../helpers/rpmbuild.js';
import { run } from '../helpers/run.js';
import { announceSkip, findTool, skipReason } from '../helpers/tools.js';
import { REVISION, setMtimes } from './generate.js';

const reason = skipReason({ tools: ['rpmbuild', 'createrepo_c'] }) ?? (berthCliPresent() ? null : 'berth CLI not present');
announceSkip('createrepo --groupfile', reason);
const dnfReason = skipReason({ tools: ['dnf'], root: true });

const work = mkdtempSync(join(tmpdir(), 'berth-groupfile-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

interface Rec { type: string; checksum: string; openChecksum?: string; href: string; size: number; openSize?: number }

function records(dir: string): Rec[] {
  const xml = readFileSync(join(dir, 'repodata', 'repomd.xml'), 'utf8');
  return [...xml.matchAll(/<data type="([^"]+)">([\s\S]*?)<\/data>/g)].map(([, type, body]) => ({
    type: type!,
    checksum: /<checksum type="sha256">([0-9a-f]+)</.exec(body!)![1]!,
    ...(/<open-checksum type="sha256">([0-9a-f]+)</.exec(body!) ? { openChecksum: /<open-checksum type="sha256">([0-9a-f]+)</.exec(body!)![1]! } : {}),
    href: /<location href="([^"]+)"/.exec(body!)![1]!,
    size: Number(/<size>(\d+)</.exec(body!)![1]),
    ...(/<open-size>(\d+)</.exec(body!) ? { openSize: Number(/<open-size>(\d+)</.exec(body!)![1]) } : {}),
  }));
}

describe.skipIf(reason !== null)('createrepo --groupfile, vs createrepo_c', () => {
  let pkgName = '';
  const comps = join(work, 'comps.xml');
  const c = join(work, 'c');
  const b = join(work, 'b');

  beforeAll(async () => {
    const rpms = await buildMany(2, join(work, 'rpms'));
    pkgName = /^(.*)-[^-]+-[^-]+\.[^.]+\.rpm$/.exec(basename(rpms[0]!))![1]!;
    for (const d of [c, b]) {
      mkdirSync(d, { recursive: true });
      for (const f of rpms) cpSync(f, join(d, basename(f)));
      setMtimes(d);
    }
    writeFileSync(comps, [
      '<?xml version="1.0" encoding="UTF-8"?>',
      '<!DOCTYPE comps PUBLIC "-//Red Hat, Inc.//DTD Comps info//EN" "comps.dtd">',
      '<comps>',
      '  <group><id>berth-tools</id><name>Berth tools</name><default>false</default><uservisible>true</uservisible>',
      `    <packagelist><packagereq type="mandatory">${pkgName}</packagereq></packagelist></group>`,
      '</comps>', '',
    ].join('\n'));
    await run(findTool('createrepo_c') ?? 'createrepo_c', ['-q', '--no-database', '--revision', REVISION, '--groupfile', comps, c]);
  }, 180_000);

  it('writes the group and group_gz records createrepo_c writes, the plain file byte for byte', async () => {
    const r = await berth(['createrepo', '--revision', REVISION, '--json', '--groupfile', comps, b]);
    const summary = JSON.parse(r.stdout) as { groups: string[] };
    const want = records(c).filter((x) => x.type.startsWith('group'));
    const got = records(b).filter((x) => x.type.startsWith('group'));
    expect(got.map((x) => x.type)).toEqual(['group', 'group_gz']);
    expect(want.map((x) => x.type)).toEqual(['group', 'group_gz']);
    // group: the file as it is, under the same checksum name
    expect(got[0]).toEqual(want[0]);
    expect(readFileSync(join(b, got[0]!.href))).toEqual(readFileSync(comps));
    // group_gz: the same document and open checksum (gzip bytes differ between zlib builds)
    expect(got[1]!.openChecksum).toBe(want[1]!.openChecksum);
    expect(got[1]!.openSize).toBe(want[1]!.openSize);
    expect(gunzipSync(readFileSync(join(b, got[1]!.href)))).toEqual(readFileSync(comps));
    expect(got[1]!.href).toMatch(new RegExp(`^repodata/${got[1]!.checksum}-comps\\.xml\\.gz$`));
    expect(summary.groups).toEqual([got[0]!.href, got[1]!.href]);
    // the records sort where createrepo_c puts them: after primary, filelists and other
    expect(records(b).map((x) => x.type)).toEqual(records(c).map((x) => x.type));
  });

  it('a relative FILE is found in DIR as createrepo_c finds it; a missing one is a usage error', async () => {
    const d = join(work, 'rel');
    cpSync(b, d, { recursive: true });
    rmSync(join(d, 'repodata'), { recursive: true });
    writeFileSync(join(d, 'my-comps.xml'), readFileSync(comps));
    await berth(['createrepo', '-q', '--revision', REVISION, '-g', 'my-comps.xml', d], { cwd: work });
    expect(records(d).filter((x) => x.type === 'group').map((x) => x.checksum)).toEqual(records(c).filter((x) => x.type === 'group').map((x) => x.checksum));
    const missing = await berth(['createrepo', '-g', 'nope.xml', d], { cwd: work, allowFail: true });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/--groupfile nope\.xml: no such file/);
  });

  it.skipIf(dnfReason !== null)('dnf reads the groups from berth\'s repodata', async () => {
    const client = dnfWithRepoFile(join(work, 'dnf'), 'local', ['[local]', 'name=local', `baseurl=file://${b}`, 'enabled=1', 'gpgcheck=0', 'repo_gpgcheck=0', 'metadata_expire=0', ''].join('\n'));
    const info = await client.dnf(['group', 'info', 'berth-tools']);
    expect(info.stdout + info.stderr).toContain('Berth tools');
    expect(info.stdout).toContain(pkgName);
  }, 120_000);
});
