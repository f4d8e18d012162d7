// createrepo's package list (src/cli/createrepo/package-list.ts): every href comes back as it
// went in, from any index, across block boundaries, with lengths over one LEB128 byte and
// non-ASCII names; what the list holds is counted (bytes per package), and it is shared memory.
import { describe, expect, it } from 'vitest';
import { BLOCK, PackageList, passJobs, passOf, READ, readIn, REUSED, SKIPPED } from '../../src/cli/createrepo/package-list.js';

const all = (list: PackageList): string[] => {
  const out: string[] = [];
  list.each(0, list.length, (i, href) => {
    expect(i).toBe(out.length);
    out.push(href);
  });
  return out;
};

describe('PackageList', () => {
  it('gives back every href, in order and one by one', () => {
    const hrefs: string[] = [];
    for (let i = 0; i < 3 * BLOCK + 5; i++) {
      const dir = i % 3 === 0 ? '' : i % 3 === 1 ? 'Packages/' : `${'d'.repeat(150)}/é/`;
      hrefs.push(`${dir}pkg-${String(i).padStart(4, '0')}${i % 7 === 0 ? '-ünïcode-日本' : ''}.x86_64.rpm`);
    }
    hrefs.push('', 'a.rpm', 'a.rpm', 'aa.rpm', 'a.rpm', 'ab.rpm', 'b.rpm', 'rpm', 'x'.repeat(20_000), 'x'.repeat(19_000) + 'y'.repeat(200), 'y');
    const list = PackageList.of(hrefs);
    expect(list.length).toBe(hrefs.length);
    expect(all(list)).toEqual(hrefs);
    hrefs.forEach((h, i) => expect(list.href(i)).toBe(h));
    const some: [number, string][] = [];
    list.each(BLOCK - 2, BLOCK + 3, (i, h) => some.push([i, h]));
    expect(some).toEqual(hrefs.slice(BLOCK - 2, BLOCK + 3).map((h, k) => [BLOCK - 2 + k, h]));
    // a thread's view of the same shared memory
    const theirs = PackageList.from(structuredClone(list.parts));
    expect(all(theirs)).toEqual(hrefs);
    expect(list.parts.bytes.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(PackageList.of([]).length).toBe(0);
  });

  it('holds a few bytes per package for neighbours that share a directory and a name stem', () => {
    const n = 10_000;
    const hrefs = Array.from({ length: n }, (_, i) => `Packages/bench-pkg-${String(i).padStart(6, '0')}.x86_64.rpm`);
    const list = PackageList.of(hrefs);
    // per package: the bytes between those it shares with the previous href at the start and
    // at the end (at most the 6 digits) and three one-byte lengths; a restart per block (the
    // whole href) and its 4-byte offset
    const bound = n * (6 + 3) + Math.ceil(n / BLOCK) * (hrefs[0]!.length + 3 + 4);
    expect(list.byteLength).toBeLessThanOrEqual(bound);
    expect(list.byteLength).toBeLessThan(n * hrefs[0]!.length * 0.25);
    expect(all(list)).toEqual(hrefs);
  });

  it('a pass reads the packages its state says to read', () => {
    const jobs = passOf(['a.rpm', null, 'b.rpm', null]);
    expect(jobs.state![1]).toBe(REUSED);
    expect(readIn(jobs, 0, 4)).toEqual([{ href: 'a.rpm' }, { href: 'b.rpm' }]);
    expect(readIn(jobs, 1, 3)).toEqual([{ href: 'b.rpm' }]);
    expect(passOf(['a.rpm']).state).toBeNull();
  });

  it('a pass skips the packages left out before and reuses the unchanged ones, one byte each', () => {
    const list = PackageList.of(['a.rpm', 'b.rpm', 'c.rpm', 'd.rpm']);
    expect(passJobs(list, new Set(), null).state).toBeNull();
    const jobs = passJobs(list, new Set(['b.rpm']), { has: (href) => href === 'b.rpm' || href === 'c.rpm' });
    expect([...jobs.state!]).toEqual([READ, SKIPPED, REUSED, READ]);
    expect(jobs.state!.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(readIn(jobs, 0, 4)).toEqual([{ href: 'a.rpm' }, { href: 'd.rpm' }]);
  });
});
