import { describe, expect, it } from 'vitest';
import { filelistsFragment } from '../../../src/core/repodata/filelists.js';
import { otherFragment } from '../../../src/core/repodata/other.js';
import { selectChangelog } from '../../../src/core/repodata/prepared.js';
import { primaryFragment } from '../../../src/core/repodata/primary.js';
import { isPrimaryFile } from '../../../src/core/repodata/primary-files.js';
import { emptyPackage, record } from './hello-demo.fixture.js';

describe('changelog selection', () => {
  const entries = (times: number[]) => times.map((time, i) => ({ author: `a${i}`, time, text: `t${i}` }));

  it('takes the first N header entries and emits them oldest first', () => {
    const out = selectChangelog(entries([50, 40, 30, 20, 10]), 3);
    expect(out.map((c) => `${c.author}@${c.date}`)).toEqual(['a2@30', 'a1@40', 'a0@50']);
    expect(selectChangelog(entries([5, 4]), 0)).toEqual([]);
    expect(selectChangelog(entries([5, 4, 3]), -1)).toHaveLength(3);
  });

  it('bumps newer entries sharing a date by +1 s each (edge-nofiles: …200 → …200, …201)', () => {
    const out = selectChangelog(entries([1704283200, 1704283200, 1704110400]));
    expect(out.map((c) => c.date)).toEqual([1704110400, 1704283200, 1704283201]);
    const three = selectChangelog(entries([100, 100, 100, 90]));
    expect(three.map((c) => `${c.author}@${c.date}`)).toEqual(['a3@90', 'a2@100', 'a1@101', 'a0@102']);
  });

  it('cascades into an already bumped neighbour', () => {
    // header: 101, 100, 100 → the second 100 bumps 100→101, which then equals 101 → 102
    const out = selectChangelog(entries([101, 100, 100]));
    expect(out.map((c) => c.date)).toEqual([100, 101, 102]);
  });

  it('does not bump dates from 2^31 on (createrepo_c counts in a C int)', () => {
    const t = 2 ** 31 + 5;
    expect(selectChangelog(entries([t, t])).map((c) => c.date)).toEqual([t, t]);
  });

  it('strips trailing spaces from the author, never its first character', () => {
    const out = selectChangelog([
      { author: 'Carol <c@x>   ', time: 1, text: '' },
      { author: '   ', time: 0, text: '' },
    ]);
    expect(out.map((c) => c.author)).toEqual([' ', 'Carol <c@x>']);
  });

  it('writes an empty changelog text as an empty element', () => {
    const rec = record(emptyPackage({ changelog: [{ author: 'a', time: 1, text: '' }] }));
    expect(otherFragment(rec)).toContain('  <changelog author="a" date="1"></changelog>\n');
  });
});

describe('package shapes', () => {
  it('no-files package: no <file> in primary, only <version/> in filelists and other', () => {
    const rec = record(emptyPackage({ name: 'meta', version: '0.1' }), { sha256: 'ab'.repeat(32) });
    expect(primaryFragment(rec)).not.toContain('<file');
    expect(primaryFragment(rec)).toContain('    <rpm:vendor></rpm:vendor>\n');
    expect(primaryFragment(rec)).toContain('  <url></url>\n');
    const head = `<package pkgid="${'ab'.repeat(32)}" name="meta" arch="noarch">\n  <version epoch="0" ver="0.1" rel="1"/>\n`;
    expect(filelistsFragment(rec)).toBe(`${head}</package>\n`);
    expect(otherFragment(rec)).toBe(`${head}</package>\n`);
  });

  it('source package: arch src, empty sourcerpm element, bare file names only in filelists', () => {
    const rec = record(
      emptyPackage({ arch: 'src', isSource: true, sourceRpm: '', files: [{ path: 'x.spec', type: 'file' }, { path: 'x.tar.gz', type: 'file' }] }),
    );
    const primary = primaryFragment(rec);
    expect(primary).toContain('  <arch>src</arch>\n');
    expect(primary).toContain('    <rpm:sourcerpm></rpm:sourcerpm>\n');
    expect(primary).not.toContain('<file');
    expect(filelistsFragment(rec)).toContain('  <file>x.spec</file>\n  <file>x.tar.gz</file>\n');
  });

  it('primary files: /etc/, /usr/lib/sendmail and any "bin/"; types kept', () => {
    expect(['/etc/x', '/usr/lib/sendmail', '/opt/a/bin/x', '/usr/lib/cabin/x', '/sbin/x'].every(isPrimaryFile)).toBe(true);
    expect(['/etc', '/usr/lib/sendmail2', '/usr/bin', '/usr/share/x', 'bin'].some(isPrimaryFile)).toBe(false);
    const rec = record(
      emptyPackage({
        files: [
          { path: '/etc/x.d', type: 'dir' },
          { path: '/etc/x.d/state', type: 'ghost' },
          { path: '/usr/share/doc/x', type: 'file' },
        ],
      }),
    );
    expect(primaryFragment(rec)).toContain('    <file type="dir">/etc/x.d</file>\n    <file type="ghost">/etc/x.d/state</file>\n  </format>\n');
  });

  it('epoch: absent → 0; numbers printed as plain decimals', () => {
    const rec = record(emptyPackage({ installedSize: 5_000_000_000, buildTime: 4294967295 }), { size: 5_100_000_000 });
    const primary = primaryFragment(rec);
    expect(primary).toContain('<version epoch="0" ver="1" rel="1"/>');
    expect(primary).toContain('<time file="1700000000" build="4294967295"/>');
    expect(primary).toContain('<size package="5100000000" installed="5000000000" archive="0"/>');
  });
});
