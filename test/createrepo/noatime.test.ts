// createrepo reads package files without updating their access time where the system allows it
// (O_NOATIME, src/cli/createrepo/describe.ts), and falls back to a plain open, for the rest of
// the run, when a file refuses it (EPERM: a file the user does not own).
import * as fs from 'node:fs';
import { mkdtempSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { synthPackage } from '../../bench/lib/synth-repo.js';

// every open the reader makes, with its flags; `refuse` makes an O_NOATIME open fail with EPERM
const opens: (string | number)[] = [];
let refuse = false;
vi.mock('node:fs', async (importOriginal) => {
  const real = await importOriginal<typeof fs>();
  const openSync = (path: fs.PathLike, flags: fs.OpenMode = 'r', mode?: fs.Mode): number => {
    if (String(path).endsWith('.rpm')) {
      opens.push(flags);
      if (refuse && typeof flags === 'number' && (flags & real.constants.O_NOATIME) !== 0) {
        throw Object.assign(new Error(`EPERM: operation not permitted, open '${String(path)}'`), { code: 'EPERM' });
      }
    }
    return real.openSync(path, flags, mode);
  };
  return { ...real, openSync, default: { ...real, openSync } };
});
const { PackageReader } = await import('../../src/cli/createrepo/describe.js');

const NOATIME = fs.constants.O_NOATIME;
const OLD = 1_600_000_000;
const MTIME = 1_700_000_000;
let dir: string;
const hrefs: string[] = [];

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'berth-noatime-'));
  for (let i = 1; i <= 3; i++) {
    const p = synthPackage(i);
    hrefs.push(`${p.name}.x86_64.rpm`);
    writeFileSync(join(dir, hrefs[i - 1]!), p.bytes);
  }
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Access times older than the modification times: a `relatime` mount updates them on a read. */
function ageAccessTimes(): void {
  for (const href of hrefs) utimesSync(join(dir, href), OLD, MTIME);
}

const atime = (href: string): number => Math.floor(statSync(join(dir, href)).atimeMs / 1000);

describe.skipIf(NOATIME === undefined)('package files opened with O_NOATIME', () => {
  it('leaves the access times as they were', async () => {
    ageAccessTimes();
    // only meaningful where a plain read updates the access time (not a `noatime` mount)
    readFileSync(join(dir, hrefs[0]!));
    const plainReadUpdates = atime(hrefs[0]!) !== OLD;
    ageAccessTimes();
    refuse = false;
    opens.length = 0;
    const reader = new PackageReader(dir);
    for (const href of hrefs) {
      const got = await reader.read({ href });
      expect('pkg' in got).toBe(true);
    }
    expect(opens).toEqual(hrefs.map(() => fs.constants.O_RDONLY | NOATIME));
    if (plainReadUpdates) for (const href of hrefs) expect(atime(href)).toBe(OLD);
  });

  it('falls back to a plain open once a file refuses O_NOATIME, for the rest of the run', async () => {
    refuse = true;
    opens.length = 0;
    const reader = new PackageReader(dir);
    const got = [];
    for (const href of hrefs) got.push(await reader.read({ href }));
    refuse = false;
    // the same records as a reader that was never refused
    const plain = new PackageReader(dir);
    for (let i = 0; i < hrefs.length; i++) {
      const expected = await plain.read({ href: hrefs[i]! });
      expect(got[i]).toEqual(expected);
      expect('pkg' in got[i]!).toBe(true);
    }
    // one refused open, then plain opens only
    expect(opens.slice(0, hrefs.length + 1)).toEqual([fs.constants.O_RDONLY | NOATIME, 'r', 'r', 'r']);
  });
});
