// File paths are dirname + basename (DIRNAMES, BASENAMES, DIRINDEXES). The reader joins them as
// bytes and decodes once when that gives the same strings as decoding each part: these cases
// pin what each part decodes to, including bytes that are valid UTF-8 only once joined.
import { describe, expect, it } from 'vitest';
import { nodePlatform } from '../../../src/adapters/node/platform.js';
import { readRpm } from '../../../src/core/rpm/index.js';
import { header, i32, rpmFile, str, strs, type Value } from './build-rpm.js';
import { chunks } from './support.js';

const BASE: Record<number, Value> = {
  1000: str('paths'), 1001: str('1'), 1002: str('1'), 1022: str('noarch'), 1044: str('paths-1-1.src.rpm'),
};
const payload = new TextEncoder().encode('payload');

/** Reads a package with these file tags; `patch` rewrites placeholder bytes of the file first. */
async function paths(files: Record<number, Value>, patch: [number, number][] = [], sync = false): Promise<string[]> {
  const file = rpmFile({ sig: header({ 1000: i32(0) }, 62), main: header({ ...BASE, ...files }, 63), payload });
  for (const [from, to] of patch) {
    const at = file.indexOf(from);
    expect(at).toBeGreaterThan(0);
    file[at] = to;
  }
  const r = sync
    ? await readRpm([file], nodePlatform, { digests: 'none', transientChunks: true, transientHeader: true })
    : await readRpm(chunks(file, 5), nodePlatform);
  return r.pkg.files.map((f) => f.path);
}

describe('file paths', () => {
  for (const sync of [false, true]) {
    const how = sync ? 'read in one chunk' : 'read in small chunks';
    it(`joins each basename to its dirname; an index out of range gives the bare basename (${how})`, async () => {
      const got = await paths({ 1116: i32(1, 0, 1, 7), 1117: strs('a', 'b', 'ünï', 'lost'), 1118: strs('/usr/bin/', '/usr/share/dõc/') }, [], sync);
      expect(got).toEqual(['/usr/share/dõc/a', '/usr/bin/b', '/usr/share/dõc/ünï', 'lost']);
    });

    it(`decodes a dirname and a basename each on its own, even where the joined bytes would be valid UTF-8 (${how})`, async () => {
      // '#' → 0xC3 ends the dirname, '~' → 0xA9 starts the basename: joined they would be 'é';
      // each alone is invalid and re-encoded as createrepo_c does (0xC3 kept as Ã, 0xA9 dropped)
      const got = await paths({ 1116: i32(0), 1117: strs('~name'), 1118: strs('/d/x#') }, [[0x23, 0xc3], [0x7e, 0xa9]], sync);
      expect(got).toEqual(['/d/x\u00c3name']);
    });

    it(`re-encodes an invalid basename alone, next to a valid dirname (${how})`, async () => {
      const got = await paths({ 1116: i32(0, 0), 1117: strs('ok', 'b~d'), 1118: strs('/dé/') }, [[0x7e, 0xff]], sync);
      expect(got).toEqual(['/dé/ok', '/dé/b\u00ffd']);
    });
  }
});
