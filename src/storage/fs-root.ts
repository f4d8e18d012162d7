/**
 * The fs store's data root at the start of `berth serve`: it holds every repo's unencrypted
 * signing key, the operator credential's hash and private packages, so no other local user may
 * read it. The rule is the one the store writes by: the root and every directory 0700, every file
 * 0600, owned by the user running Berth.
 *
 * A missing root is created 0700. A root any group or other user can access is FIXED, not refused:
 * tightening never breaks Berth, and a store created by an older version (0755 directories, 0644
 * files) should not stop a server from starting. Because such a root exposed everything under it,
 * every directory and file below is tightened too (one walk, only when the root was loose; a 0700
 * root already shuts others out whatever the modes below), and temp files of older versions
 * (`.tmp-*` beside the blobs, left by crashes) are removed on the way — nothing is writing yet.
 * The report says what was changed, for the log. If the mode cannot be changed (the root belongs
 * to someone else), start is refused.
 */
import type { Stats } from 'node:fs';
import { chmod, lstat, mkdir, readdir, stat, unlink } from 'node:fs/promises';
import path from 'node:path';
import { DIR_MODE, FILE_MODE } from './fs-store.js';

export interface FsRootReport {
  root: string;
  created: boolean;
  /** The root's mode before, when it was looser than 0700 (octal, e.g. `0755`). */
  loosened: string | null;
  /** Directories and files below the root whose mode was tightened. */
  tightened: number;
  /** Temp files of older versions removed. */
  removedTemps: number;
}

export class FsRootError extends Error {
  override name = 'FsRootError';
}

const octal = (mode: number): string => `0${(mode & 0o777).toString(8)}`;
const loose = (s: Stats): boolean => (s.mode & 0o077) !== 0;

export async function secureFsRoot(root: string): Promise<FsRootReport> {
  const report: FsRootReport = { root, created: false, loosened: null, tightened: 0, removedTemps: 0 };
  let st: Stats;
  try {
    st = await stat(root);
  } catch (err) {
    if ((err as { code?: string }).code !== 'ENOENT') throw err;
    await mkdir(root, { recursive: true, mode: DIR_MODE });
    await chmod(root, DIR_MODE); // an existing umask could only have made it tighter; be exact
    return { ...report, created: true };
  }
  if (!st.isDirectory()) throw new FsRootError(`${root} is not a directory`);
  if (!loose(st)) return report;
  try {
    await chmod(root, DIR_MODE);
  } catch (err) {
    throw new FsRootError(`${root} is readable by other users (mode ${octal(st.mode)}) and its mode cannot be changed: ${(err as Error).message}`);
  }
  report.loosened = octal(st.mode);
  await tightenBelow(root, report);
  return report;
}

async function tightenBelow(dir: string, report: FsRootReport): Promise<void> {
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isSymbolicLink()) continue; // the store makes none; never follow one out of the root
    if (e.isFile() && e.name.startsWith('.tmp-')) {
      await unlink(p);
      report.removedTemps++;
      continue;
    }
    const st = await lstat(p);
    const want = e.isDirectory() ? DIR_MODE : FILE_MODE;
    if ((st.mode & 0o777 & ~want) !== 0) {
      await chmod(p, (st.mode & 0o777 & want) | (e.isDirectory() ? DIR_MODE : 0));
      report.tightened++;
    }
    if (e.isDirectory()) await tightenBelow(p, report);
  }
}
