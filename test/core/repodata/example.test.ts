// The repodata writer's fragments against createrepo_c 0.17.3 on packages built here: the signed
// berth-signed package (binary and source) and berth-files (every file kind), read by readRpm,
// written by primaryFragment/filelistsFragment/otherFragment, compared byte for byte with the
// `<package>` elements createrepo_c writes for the same files.
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nodePlatform } from '../../../src/adapters/node/platform.js';
import type { PackageRecord } from '../../../src/core/model.js';
import { filelistsFragment } from '../../../src/core/repodata/filelists.js';
import { fragments, isExcluded } from '../../../src/core/repodata/fragments.js';
import { otherFragment } from '../../../src/core/repodata/other.js';
import { primaryFragment } from '../../../src/core/repodata/primary.js';
import { xmlFooter, xmlHeader } from '../../../src/core/repodata/xml-file.js';
import { readRpm } from '../../../src/core/rpm/index.js';
import { rpmbuild, specBytes } from '../../helpers/rpmbuild.js';
import { run } from '../../helpers/run.js';
import { disposeSignedPackages, signedPackages } from '../../helpers/signed-packages.js';
import { announceSkip, findTool, skipReason } from '../../helpers/tools.js';
import { fileStream } from '../rpm/support.js';

const reason = skipReason({ tools: ['rpmbuild', 'rpmsign', 'gpg', 'createrepo_c'] });
announceSkip('repodata fragments vs createrepo_c on packages built here', reason);

const work = mkdtempSync(join(tmpdir(), 'berth-example-'));
afterAll(async () => {
  rmSync(work, { recursive: true, force: true });
  await disposeSignedPackages();
});

const MTIME = 1_700_000_000;

/** The `<package>` elements of a createrepo_c file, each with its trailing newline. */
function packagesOf(xml: string): string[] {
  return xml.match(/<package[ >][\s\S]*?<\/package>\n/g) ?? [];
}

describe.skipIf(reason !== null)('fragments vs createrepo_c 0.17.3 on packages built here', () => {
  const repo = join(work, 'repo');
  const records: PackageRecord[] = [];
  const files: Record<'primary' | 'filelists' | 'other', string> = { primary: '', filelists: '', other: '' };

  beforeAll(async () => {
    const pkgs = join(repo, 'Packages');
    mkdirSync(pkgs, { recursive: true });
    const signed = await signedPackages();
    copyFileSync(signed.file['rsa-signed'], join(pkgs, signed.filename));
    await rpmbuild('berth-signed', specBytes('berth-signed'), pkgs, { mode: 'bs' });
    await rpmbuild('berth-files', specBytes('berth-files'), pkgs);
    // createrepo_c's order: by file name
    const names = readdirSync(pkgs).sort();
    for (const name of names) utimesSync(join(pkgs, name), MTIME, MTIME);
    await run(findTool('createrepo_c') as string, ['-q', '--no-database', '--revision', '1700000001', repo]);
    for (const name of names) {
      const path = join(pkgs, name);
      const r = await readRpm(fileStream(path), nodePlatform);
      records.push({ pkg: r.pkg, sha256: r.computed.fileSha256, size: statSync(path).size, time: MTIME, location: `Packages/${name}` });
    }
    for (const f of readdirSync(join(repo, 'repodata'))) {
      const kind = /-(primary|filelists|other)\.xml\.gz$/.exec(f)?.[1] as keyof typeof files | undefined;
      if (kind) files[kind] = gunzipSync(readFileSync(join(repo, 'repodata', f))).toString('utf8');
    }
  }, 240_000);

  it('covers a signed binary package, its source package and one with every file kind', () => {
    expect(records.map((r) => `${r.pkg.name}.${r.pkg.arch}`)).toEqual(['berth-files.noarch', 'berth-signed.noarch', 'berth-signed.src']);
    expect(records.map((r) => basename(r.location))).toEqual(['berth-files-1.1-2.noarch.rpm', 'berth-signed-1.2.3-4.noarch.rpm', 'berth-signed-1.2.3-4.src.rpm']);
  });

  it('primary.xml packages are byte-identical', () => {
    expect(records.map((r) => primaryFragment(r))).toEqual(packagesOf(files.primary));
  });

  it('filelists.xml packages are byte-identical', () => {
    expect(records.map((r) => filelistsFragment(r))).toEqual(packagesOf(files.filelists));
  });

  it('other.xml packages are byte-identical', () => {
    expect(records.map((r) => otherFragment(r, { changelogLimit: 10 }))).toEqual(packagesOf(files.other));
  });

  it('header + fragments + footer reproduce the whole files', () => {
    const parts = records.map((r) => {
      const p = fragments(r, { changelogLimit: 10 });
      if (isExcluded(p)) throw new Error(p.excluded.message);
      return p;
    });
    for (const kind of ['primary', 'filelists', 'other'] as const) {
      expect(xmlHeader(kind, parts.length) + parts.map((p) => p[kind]).join('') + xmlFooter(kind)).toBe(files[kind]);
    }
  });
});
