// readRpm's options for a createrepo-style caller: only the changelog entries it writes, and the
// main header parsed where the source holds it.
import { describe, expect, it } from 'vitest';
import { nodePlatform } from '../../../src/adapters/node/platform.js';
import { readRpm } from '../../../src/core/rpm/index.js';
import { header, i32, rpmFile, str, strs, type Value } from './build-rpm.js';
import { chunks } from './support.js';

const main: Record<number, Value> = {
  1000: str('logs'), 1001: str('1'), 1002: str('1'), 1022: str('noarch'), 1044: str('logs-1-1.src.rpm'),
  1080: i32(500, 400, 300, 200, 100), 1081: strs('e <e@x>', 'd <d@x>', 'c <c@x>', 'b <b@x>', 'a <a@x>'),
  1082: strs('- five', '- four', '- three', '- two', '- one'),
};
const file = rpmFile({ sig: header({ 1000: i32(0) }, 62), main: header(main, 63), payload: new TextEncoder().encode('payload') });

describe('readRpm options', () => {
  it('changelogLimit reads only the newest entries; negative or absent reads all', async () => {
    const all = (await readRpm(chunks(file, 9), nodePlatform)).pkg.changelog;
    expect(all.map((c) => c.text)).toEqual(['- five', '- four', '- three', '- two', '- one']);
    for (const [limit, n] of [[2, 2], [0, 0], [5, 5], [9, 5], [-1, 5]] as const) {
      const got = (await readRpm(chunks(file, 9), nodePlatform, { changelogLimit: limit })).pkg.changelog;
      expect(got, `limit ${limit}`).toEqual(all.slice(0, n));
    }
  });

  it('transientHeader parses the main header in the source\'s memory, to the same package', async () => {
    const copied = await readRpm([file], nodePlatform, { digests: 'none', transientChunks: true });
    const inPlace = await readRpm([file], nodePlatform, { digests: 'none', transientChunks: true, transientHeader: true });
    expect(inPlace.pkg).toEqual(copied.pkg);
    expect(inPlace.header).toEqual(copied.header);
    expect(inPlace.header.buffer).toBe(file.buffer);
    expect(copied.header.buffer).not.toBe(file.buffer);
  });
});
