import { describe, expect, it } from 'vitest';
import { compareKeys, findEntry, keyOfLocation, type EntryKey } from '../../src/repo/index-entry.js';

describe('findEntry', () => {
  // same file name at several locations (a mirror's hrefs), and names sharing long prefixes
  const locations = [
    'Packages/a/a-1-1.noarch.rpm', 'x/a-1-1.noarch.rpm', 'Packages/b/bench-pkg-000001-1-1.x86_64.rpm',
    'Packages/b/bench-pkg-000010-1-1.x86_64.rpm', 'Packages/b/bench-pkg-000100-1-1.x86_64.rpm', 'y/z/zz-2-1.src.rpm',
  ];
  const sorted: EntryKey[] = locations.map(keyOfLocation).sort(compareKeys);

  it('finds every entry of a sorted segment, at every size from empty to all', () => {
    for (let n = 0; n <= sorted.length; n++) {
      const part = sorted.slice(0, n);
      for (const k of sorted) expect(findEntry(part, keyOfLocation(k.location)), `${n}: ${k.location}`).toBe(part.includes(k) ? k : undefined);
    }
  });

  it('misses keys that are not there: the same file name elsewhere, before the first, after the last', () => {
    for (const l of ['z/a-1-1.noarch.rpm', '0-0-0.noarch.rpm', 'zzzz-9-9.noarch.rpm', 'Packages/b/bench-pkg-000002-1-1.x86_64.rpm']) {
      expect(findEntry(sorted, keyOfLocation(l)), l).toBeUndefined();
    }
  });
});
