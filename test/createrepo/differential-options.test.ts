// Differential test of createrepo options: --changelog-limit, --update and --compress zstd,
// on the packages built here, against createrepo_c with the equivalent flags.
import { copyFileSync, cpSync, mkdtempSync, rmSync, unlinkSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { berthCliPresent } from '../helpers/berth.js';
import { repomdProblems, type ParsedRepo } from '../helpers/repodata.js';
import { classify, diffRepos, formatDifferences, type Allowance } from '../helpers/repodiff.js';
import { buildFixtures, copyFixtures, disposeFixtures, type Fixtures } from '../helpers/rpmbuild.js';
import { announceSkip, skipReason } from '../helpers/tools.js';
import { berthCreaterepo, createrepoC, generateBoth, setMtimes } from './generate.js';
import { allowance, updateAllowance } from './known-differences.js';

const reason = skipReason({ tools: ['rpmbuild', 'createrepo_c'] }) ?? (berthCliPresent() ? null : 'berth CLI (src/cli/main.ts) not present yet');
announceSkip('createrepo options differential', reason);

const work = mkdtempSync(join(tmpdir(), 'berth-diffopt-'));
afterAll(async () => {
  rmSync(work, { recursive: true, force: true });
  await disposeFixtures();
});

function unexpected(c: ParsedRepo, b: ParsedRepo, allow: Allowance = allowance): string {
  return formatDifferences(classify(diffRepos(c, b), allow).unexpected, ['createrepo_c', 'berth']);
}

describe.skipIf(reason !== null)('berth createrepo options vs createrepo_c', () => {
  let fx: Fixtures;
  let names: string[];
  const tree = join(work, 'tree');

  beforeAll(async () => {
    fx = await buildFixtures();
    names = [...Object.values(fx.binary), ...fx.source].sort();
    copyFixtures(fx, names, tree);
  }, 240_000);

  for (const limit of ['0', '3', '40']) {
    it(`--changelog-limit ${limit}`, async () => {
      const { c, b } = await generateBoth(work, tree, `limit-${limit}`, ['--changelog-limit', limit]);
      expect(unexpected(c, b)).toBe('');
      const counts = [...b.packages.values()].map((p) => p.other?.changelogs.length ?? -1);
      expect(Math.max(...counts)).toBe(Math.min(Number(limit), 34));
    });
  }

  it('--compress zstd writes .zst files with the same content as gz', async () => {
    const { c, b, bDir } = await generateBoth(work, tree, 'zstd', [], ['--compress', 'zstd']);
    expect(repomdProblems(b)).toEqual([]);
    for (const type of ['primary', 'filelists', 'other']) {
      expect(b.repomd.records.find((r) => r.type === type)?.href).toMatch(new RegExp(`^repodata/[0-9a-f]{64}-${type}\\.xml\\.zst$`));
    }
    expect(unexpected(c, b)).toBe('');
    // Same XML, other compression: open-checksums equal those of a gz run.
    const gzDir = join(work, 'zstd-as-gz');
    cpSync(tree, gzDir, { recursive: true });
    setMtimes(gzDir);
    const gz = (await berthCreaterepo(gzDir)).repo;
    const open = (r: ParsedRepo): Array<string | undefined> => r.repomd.records.map((x) => `${x.type}:${x.openChecksum?.value}`).sort();
    expect(open(b)).toEqual(open(gz));
    expect(bDir).not.toBe(gzDir);
  });

  for (const compress of ['gz', 'zstd']) {
    it(`--update (${compress}) after adding, removing and replacing packages matches createrepo_c --update and a fresh run`, async () => {
      const bArgs = ['--compress', compress];
      const half = names.filter((_, i) => i % 2 === 0);
      const rest = names.filter((_, i) => i % 2 === 1);
      const [removed, replaced] = half;
      const replacement = rest[0];
      if (removed === undefined || replaced === undefined || replacement === undefined) throw new Error('too few fixtures');
      const cDir = join(work, `update-${compress}-createrepo_c`);
      const bDir = join(work, `update-${compress}-berth`);
      for (const d of [cDir, bDir]) {
        copyFixtures(fx, half, d);
        setMtimes(d);
      }
      await createrepoC(cDir);
      const before = (await berthCreaterepo(bDir, bArgs)).repo;
      const later = 1_700_000_500;
      for (const d of [cDir, bDir]) {
        copyFixtures(fx, rest, d);
        unlinkSync(join(d, removed));
        setMtimes(d);
        // Same file name, other package, newer mtime: must be read again, not reused.
        copyFileSync(join(fx.dir, replacement), join(d, replaced));
        utimesSync(join(d, replaced), later, later);
      }
      const c = await createrepoC(cDir, ['--update']);
      const b = await berthCreaterepo(bDir, ['--update', ...bArgs]);
      expect(repomdProblems(b.repo)).toEqual([]);
      expect(unexpected(c, b.repo, updateAllowance)).toBe('');
      expect(b.repo.packages.size).toBe(c.packages.size);

      const freshDir = join(work, `update-${compress}-fresh`);
      cpSync(bDir, freshDir, { recursive: true, preserveTimestamps: true });
      rmSync(join(freshDir, 'repodata'), { recursive: true });
      const fresh = await berthCreaterepo(freshDir, bArgs);
      expect(formatDifferences(diffRepos(fresh.repo, b.repo), ['fresh', 'update'])).toBe('');
      // Unchanged files (same size and mtime) come from the old metadata, not from re-reading them.
      const unchanged = before.order.filter((href) => href !== removed && href !== replaced).length;
      expect(b.stdout).toContain(`(${unchanged} reused)`);
    });
  }
});
