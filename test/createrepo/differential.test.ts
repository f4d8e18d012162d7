// Differential test: `berth createrepo` against createrepo_c on identical trees. Both outputs are
// parsed and compared field by field; known, intended differences are listed below with reasons
// in known-differences.ts (and docs/differences-from-createrepo_c.md). The goal is an empty list.
import { cpSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { berth, berthCliPresent } from '../helpers/berth.js';
import { disposeTestKeyring, rpmSign } from '../helpers/gpg.js';
import { readMetadataFile, repomdProblems, type ParsedRepo } from '../helpers/repodata.js';
import { classify, diffRepos, formatDifferences } from '../helpers/repodiff.js';
import { buildFixtures, copyFixtures, disposeFixtures, type Fixtures } from '../helpers/rpmbuild.js';
import { announceSkip, corpusDir, corpusSkipReason, skipReason } from '../helpers/tools.js';
import { generateBoth, REVISION, setMtimes, type BothResult } from './generate.js';
import { allowance, unexplainedLineDifferences } from './known-differences.js';

const cliReason = berthCliPresent() ? null : 'berth CLI (src/cli/main.ts) not present yet';
const fixtureReason = skipReason({ tools: ['rpmbuild', 'rpmsign', 'gpg', 'createrepo_c'] }) ?? cliReason;
const corpus = corpusDir();
const corpusReason = skipReason({ tools: ['createrepo_c'] }) ?? corpusSkipReason() ?? cliReason;
announceSkip('createrepo differential (fixtures)', fixtureReason);
announceSkip('createrepo differential (corpus)', corpusReason);

const work = mkdtempSync(join(tmpdir(), 'berth-diff-'));
afterAll(async () => {
  rmSync(work, { recursive: true, force: true });
  await disposeTestKeyring();
  await disposeFixtures();
});

/** The assertions shared by both trees. */
function compareSuite(get: () => { c: ParsedRepo; b: ParsedRepo }): void {
  it('berth repomd.xml is self-consistent (checksums, sizes, open-*, packages=)', () => {
    expect(repomdProblems(get().b)).toEqual([]);
  });

  it('same packages with the same field values as createrepo_c', () => {
    const { c, b } = get();
    const { accepted, unexpected } = classify(diffRepos(c, b), allowance);
    if (accepted.length > 0) console.info(`accepted differences:\n${accepted.map((d) => `${formatDifferences([d], ['createrepo_c', 'berth'])} — ${d.reason}`).join('\n')}`);
    expect(formatDifferences(unexpected, ['createrepo_c', 'berth'])).toBe('');
    expect(b.packages.size).toBe(c.packages.size);
  });

  it('uncompressed primary, filelists and other are byte-identical to createrepo_c (but for known differences)', () => {
    const { c, b } = get();
    const report: string[] = [];
    for (const type of ['primary', 'filelists', 'other']) {
      const file = (r: ParsedRepo): Buffer => readMetadataFile(join(r.dir, r.repomd.records.find((x) => x.type === type)?.href ?? 'missing'));
      for (const d of unexplainedLineDifferences(file(c), file(b))) report.push(`${type}: ${d}`);
    }
    expect(report.join('\n')).toBe('');
  });
}

describe.skipIf(fixtureReason !== null)('berth createrepo vs createrepo_c: packages built here (signed RSA / Ed25519)', () => {
  let fx: Fixtures;
  let out: BothResult;
  const tree = join(work, 'fixtures-tree');

  beforeAll(async () => {
    fx = await buildFixtures();
    const names = [...Object.values(fx.binary), ...fx.source].sort();
    // Sub-directories exercise the recursive walk and relative `location href`.
    const top = names.filter((_, i) => i % 3 !== 2);
    const nested = names.filter((_, i) => i % 3 === 2);
    const files = [...copyFixtures(fx, top, tree), ...copyFixtures(fx, nested, join(tree, 'sub', 'dir'))];
    await rpmSign(files.filter((_, i) => i % 2 === 0), 'rsa');
    await rpmSign(files.filter((_, i) => i % 2 === 1), 'ed25519');
    out = await generateBoth(work, tree, 'fixtures');
  }, 240_000);

  compareSuite(() => out);

  it('the fixtures reach the metadata: every built package except the control-character one', () => {
    const names = [...out.c.packages.values()].map((p) => `${p.name}.${p.arch}`).sort();
    const expected = [
      ...Object.keys(fx.binary).filter((n) => n !== 'berth-ctl').map((n) => `${n}.noarch`),
      ...fx.source.map((s) => `${s.replace(/-[^-]+-[^-]+\.src\.rpm$/, '')}.src`),
    ].sort();
    expect(names).toEqual(expected);
  });

  it('a package with a control character in a provide is excluded by both', (ctx) => {
    if (fx.binary['berth-ctl'] === undefined) {
      ctx.skip(`rpmbuild refused the control-character provide: ${fx.refused['berth-ctl'] ?? '?'}`);
      return;
    }
    const has = (r: ParsedRepo): boolean => [...r.packages.values()].some((p) => p.name === 'berth-ctl');
    expect(has(out.c)).toBe(false);
    expect(has(out.b)).toBe(false);
    expect(out.b.declaredCounts['primary']).toBe(out.c.declaredCounts['primary']);
  });

  it('Latin-1 text is re-encoded to UTF-8 as createrepo_c does', () => {
    const latin = [...out.b.packages.values()].find((p) => p.name === 'berth-latin1');
    expect(latin?.description).toBe('Café au lait, crème brûlée: bytes that are not UTF-8.');
    expect(latin?.summary).toBe('Café summary in Latin-1');
  });

  it('repomd.xml and metadata files are byte-identical across two berth runs on the same input', async () => {
    const again = join(work, 'fixtures-berth-again');
    cpSync(tree, again, { recursive: true });
    setMtimes(again);
    await berth(['createrepo', '--revision', REVISION, again], { allowFail: true });
    const read = (d: string, f: string): Buffer => readFileSync(join(d, 'repodata', f));
    expect(read(again, 'repomd.xml').toString('utf8')).toBe(read(out.bDir, 'repomd.xml').toString('utf8'));
    expect(readdirSync(join(again, 'repodata')).sort()).toEqual(readdirSync(join(out.bDir, 'repodata')).sort());
  });
});

describe.skipIf(corpusReason !== null)('berth createrepo vs createrepo_c: third-party corpus', () => {
  let out: BothResult;

  beforeAll(async () => {
    const files = join(corpus ?? '', 'files');
    const tree = join(work, 'corpus-tree');
    for (const e of readdirSync(files, { withFileTypes: true, recursive: true })) {
      const path = join(e.parentPath, e.name);
      // The corrupted hello is refused at upload (payload digest), not a metadata case; .drpm is no package.
      if (!e.isFile() || !e.name.endsWith('.rpm') || e.name.includes('-corrupted')) continue;
      const dest = join(tree, relative(files, path));
      mkdirSync(dirname(dest), { recursive: true });
      cpSync(path, dest);
    }
    out = await generateBoth(work, tree, 'corpus');
  }, 240_000);

  compareSuite(() => out);

  it('berth exits 0 on a corpus createrepo_c accepts entirely', () => {
    expect(out.c.packages.size).toBe(44);
    expect(out.berthExit, out.berthStderr).toBe(0);
  });
});
