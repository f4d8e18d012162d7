// The comparison helpers must themselves be right, or the differential test proves nothing.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeEntities, readRepo, repomdProblems } from './repodata.js';
import { diffRepos, formatDifferences } from './repodiff.js';
import { announceSkip, corpusDir, corpusSkipReason } from './tools.js';

const corpus = corpusDir();
const corpusReason = corpusSkipReason();
announceSkip('readRepo on the createrepo_c reference output of the third-party corpus', corpusReason);

describe('decodeEntities', () => {
  it('decodes named and numeric references once', () => {
    expect(decodeEntities('a&amp;b &lt;c&gt; &quot;&#13;&#x9;&amp;#13;')).toBe('a&b <c> "\r\t&#13;');
  });
});

describe.skipIf(corpusReason !== null)('readRepo on the createrepo_c reference output of the third-party corpus', () => {
  const dir = join(corpus ?? '', 'reference');

  it('parses all three files, and repomd.xml checks out', () => {
    const repo = readRepo(dir);
    expect(repomdProblems(repo)).toEqual([]);
    expect(repo.packages.size).toBe(44);
    expect(repo.declaredCounts).toEqual({ primary: 44, filelists: 44, other: 44 });
    for (const p of repo.packages.values()) {
      expect(p.filelists?.name).toBe(p.name);
      expect(p.other?.name).toBe(p.name);
    }
  });

  it('normalizes fields a diff can name', () => {
    const archer = [...readRepo(dir).packages.values()].find((p) => p.name === 'Archer');
    expect(archer?.version).toEqual({ epoch: '2', rel: '6', ver: '3.4.5' });
    expect(archer?.requires?.length).toBeGreaterThan(0);
    expect(archer?.time['file']).toBe('1700000000');
  });

  it('finds a changed field, and nothing on identical input', () => {
    const a = readRepo(dir);
    const b = readRepo(dir);
    expect(diffRepos(a, b)).toEqual([]);
    const pkg = [...b.packages.values()].find((p) => p.name === 'Rimmer');
    if (pkg?.recommends?.[0] === undefined) throw new Error('Rimmer has no recommends in the reference');
    pkg.recommends[0]['name'] = 'changed';
    const text = formatDifferences(diffRepos(a, b));
    expect(text).toMatch(/^Rimmer-0:1\.0\.2-2\.x86_64 \(.*\): recommends\[0\]\.name: a=".*" b="changed"$/);
  });
});
