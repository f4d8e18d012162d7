// The package listing: createrepo_c's order (file name, then relative path, byte-wise), nested
// directories walked, repodata/ at the top and dot-entries skipped, only *.rpm files and links,
// and open directory handles all closed again — also for a directory much larger than one
// listing batch.
import { mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { findPackages } from '../../src/cli/createrepo/walk.js';
import type { PackageList } from '../../src/cli/createrepo/package-list.js';

const hrefs = (list: PackageList): string[] => Array.from({ length: list.length }, (_, i) => list.href(i));

const openFds = (): number => readdirSync('/proc/self/fd').length;
const roots: string[] = [];
const tmp = (): string => {
  const d = mkdtempSync(join(tmpdir(), 'berth-walk-'));
  roots.push(d);
  return d;
};
afterEach(() => {
  for (const d of roots.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('findPackages', () => {
  it('lists *.rpm files and links in createrepo_c order, skipping repodata/ and dot-entries', () => {
    const root = tmp();
    for (const d of ['Packages/b', 'Packages/a', 'repodata', '.hidden', 'sub/repodata', 'dir.rpm']) mkdirSync(join(root, d), { recursive: true });
    const files = ['Packages/b/zeta-1.rpm', 'Packages/a/alpha-1.rpm', 'Packages/b/alpha-1.rpm', 'top.rpm', 'Z-upper.rpm', 'notes.txt', 'repodata/x.rpm', '.hidden/h.rpm', '.dot.rpm', 'sub/repodata/kept.rpm', 'dir.rpm/inner.rpm', 'Packages/é-1.rpm'];
    for (const f of files) writeFileSync(join(root, f), 'x');
    symlinkSync(join(root, 'top.rpm'), join(root, 'Packages', 'link.rpm'));
    const found = findPackages(root);
    expect(hrefs(found)).toEqual([
      'Z-upper.rpm',
      'Packages/a/alpha-1.rpm',
      'Packages/b/alpha-1.rpm',
      'dir.rpm/inner.rpm',
      'sub/repodata/kept.rpm',
      'Packages/link.rpm',
      'top.rpm',
      'Packages/b/zeta-1.rpm',
      'Packages/é-1.rpm',
    ]);
  });

  it('walks a directory of many listing batches and closes every handle', () => {
    const root = tmp();
    mkdirSync(join(root, 'Packages'));
    const n = 3000;
    for (let i = 0; i < n; i++) writeFileSync(join(root, 'Packages', `p-${String(n - i).padStart(5, '0')}.rpm`), '');
    const before = openFds();
    const found = findPackages(root);
    expect(openFds()).toBe(before);
    expect(found).toHaveLength(n);
    expect(found.href(0)).toBe('Packages/p-00001.rpm');
    expect(found.href(n - 1)).toBe(`Packages/p-${String(n).padStart(5, '0')}.rpm`);
    // held for the run, in shared memory (no copy per thread): per package the bytes that differ
    // from the previous href (at most its 5 digits) and three lengths; per block of 32 one whole
    // href and its offset
    expect(found.byteLength).toBeLessThanOrEqual(n * (5 + 3) + Math.ceil(n / 32) * ('Packages/p-00001.rpm'.length + 3 + 4));
    expect(found.parts.bytes.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(found.parts.blocks.buffer).toBeInstanceOf(SharedArrayBuffer);
    const all = hrefs(found);
    for (let i = 0; i < n; i += 97) expect(found.href(i)).toBe(all[i]);
  });
});
