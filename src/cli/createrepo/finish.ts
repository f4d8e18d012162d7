/**
 * The file-system steps of a createrepo run: making sure DIR is a directory, writing the
 * metadata files and repomd.xml, and swapping the finished `.repodata/` into place. Synchronous calls: nothing else
 * runs meanwhile, and each asynchronous call would wait for a thread of libuv's pool to take it;
 * only the flush of repomd.xml to disk (a wait for the disk, not work) runs there, overlapped
 * with carrying the old repodata/'s other files over.
 */
import { closeSync, fsync, openSync, renameSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { Codec, Platform } from '../../core/platform.js';
import { writeXmlFile, type FileDigest, type XmlKind } from '../../core/repodata/xml-file.js';

/** Whether `path` is a directory (false when it cannot be looked at). */
export function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/** Writes one metadata file to `tmp`; rejects (count mismatch) when `count` was not met. */
export async function writeKind(
  kind: XmlKind,
  count: number,
  fragments: AsyncIterable<Uint8Array[]>,
  tmp: string,
  platform: Platform,
  codec: Codec,
): Promise<{ tmp: string; digest: FileDigest }> {
  const file = writeXmlFile(kind, count, fragments, platform, { codec });
  // written synchronously: a compressed member goes to the page cache in microseconds, less
  // than a round trip through the thread pool costs the main thread
  const fd = openSync(tmp, 'w');
  try {
    for await (const bytes of file.bytes) writeAll(fd, bytes);
  } finally {
    closeSync(fd);
  }
  return { tmp, digest: await file.digest };
}

/** Writes all of `bytes` at the current position of `fd`. */
export function writeAll(fd: number, bytes: Uint8Array): void {
  for (let done = 0; done < bytes.length; ) done += writeSync(fd, bytes, done, bytes.length - done);
}

/**
 * Writes `text` to `path` and flushes it to disk on libuv's thread pool: the promise settles
 * (the file closed) once it is there, and the caller does other work meanwhile. The promise
 * is marked as handled: await it before relying on the file.
 */
export function writeSyncing(path: string, text: string): Promise<void> {
  const fd = openSync(path, 'w');
  try {
    writeFileSync(fd, text);
  } catch (e) {
    closeSync(fd);
    throw e;
  }
  const synced = new Promise<void>((resolve, reject) => {
    fsync(fd, (err) => {
      try {
        closeSync(fd);
      } catch (e) {
        err ??= e as NodeJS.ErrnoException;
      }
      if (err) reject(err);
      else resolve();
    });
  });
  synced.catch(() => undefined);
  return synced;
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

/**
 * Ends the process with `code` once a command run from a bundled entry is done, without Node's
 * teardown of the V8 heap page by page (~10 ms at 4,000 packages, measured; the process's memory
 * goes back to the system whole either way). `exit` listeners still run (Node's compile cache is
 * written then). When stdout or stderr still holds output (writes to a pipe are asynchronous on
 * some platforms), the process ends as usual once it is written, with `code`.
 */
export function exitWhenWritten(code: number): void {
  process.exitCode = code;
  if (process.stdout.writableLength === 0 && process.stderr.writableLength === 0) process.exit(code);
}

