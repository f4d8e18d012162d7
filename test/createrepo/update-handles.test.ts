// `createrepo --update` reads the old metadata back; every file it opens for that must be closed
// when the run ends. A handle left to the garbage collector shows up as "Closing file descriptor
// N on garbage collection" (DEP0137) much later, or never; here the open descriptors of this
// process that point into the repo are listed right after the run: there must be none.
import { readdirSync, readlinkSync, mkdtempSync, rmSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nodePlatform } from '../../src/adapters/node/platform.js';
import { createrepo } from '../../src/cli/createrepo/run.js';
import { buildMany } from '../helpers/rpmbuild.js';
import { announceSkip, skipReason } from '../helpers/tools.js';

const reason = skipReason({ tools: ['rpmbuild'] }) ?? (readdirSync('/proc/self/fd', { withFileTypes: true }).length > 0 ? null : 'no /proc/self/fd to list open descriptors');
announceSkip('createrepo --update closes the old metadata', reason);

const work = mkdtempSync(join(tmpdir(), 'berth-handles-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** Descriptors of this process open on files under `dir`. */
function openUnder(dir: string): string[] {
  const out: string[] = [];
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      const target = readlinkSync(`/proc/self/fd/${fd}`);
      if (target.startsWith(dir)) out.push(`${fd} -> ${target}`);
    } catch {
      // closed while listing
    }
  }
  return out;
}

describe.skipIf(reason !== null)('createrepo --update leaves no file open', () => {
  let rpms: string[];
  beforeAll(async () => {
    rpms = await buildMany(4, join(work, 'rpms'));
  }, 120_000);

  for (const codec of ['zstd', 'gz'] as const) {
    it(`${codec}: after reusing every package, and after a package went away`, async () => {
      const dir = join(work, codec);
      const { cpSync } = await import('node:fs');
      cpSync(join(work, 'rpms'), dir, { recursive: true });
      const opts = { codec, changelogLimit: 10, update: true, revision: '1' };
      await createrepo(dir, nodePlatform, opts);
      expect(openUnder(dir)).toEqual([]);
      const again = await createrepo(dir, nodePlatform, opts);
      expect(again.reused).toBe(4);
      expect(openUnder(dir)).toEqual([]);
      // the old metadata lists a package that is gone: the reader stops short of its end
      unlinkSync(join(dir, rpms[3]!.slice(rpms[3]!.lastIndexOf('/') + 1)));
      const third = await createrepo(dir, nodePlatform, opts);
      expect([third.packages, third.reused]).toEqual([3, 3]);
      expect(openUnder(dir)).toEqual([]);
    });
  }
});
