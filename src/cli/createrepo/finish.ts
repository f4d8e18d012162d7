/**
 * The file-system steps around a createrepo run: making sure DIR is a directory, writing
 * repomd.xml, and swapping the finished `.repodata/` into place. Synchronous calls: nothing else
 * runs meanwhile, and each asynchronous call would wait for a thread of libuv's pool to take it.
 */
import { closeSync, fsyncSync, openSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Whether `path` is a directory (false when it cannot be looked at). */
export function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/** Writes `text` to `path` and flushes it to disk before returning. */
export function writeSynced(path: string, text: string): void {
  const fd = openSync(path, 'w');
  try {
    writeFileSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Replace repodata/ with the finished .repodata/ (two renames; the old one is removed after). */
export function swap(root: string, work: string): void {
  const live = join(root, 'repodata');
  const retired = join(root, `.repodata.old.${process.pid}.${Date.now()}`);
  const hadOld = statSync(live, { throwIfNoEntry: false }) !== undefined;
  if (hadOld) renameSync(live, retired);
  renameSync(work, live);
  if (hadOld) rmSync(retired, { recursive: true, force: true });
}
