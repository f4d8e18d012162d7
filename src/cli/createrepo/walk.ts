/**
 * Find package files under a repository directory, in createrepo_c's order: sorted by file
 * name, then by relative path (formats.md §3.1). `repodata/` and dot-directories are skipped.
 */
import { opendirSync } from 'node:fs';
import { sep } from 'node:path';
import { PackageList } from './package-list.js';

/** Directory entries read per system call batch while listing. */
const LISTING_BATCH = 512;

/** Where `href` is on disk. */
export function packagePath(root: string, href: string): string {
  return root + sep + href;
}

export function findPackages(root: string): PackageList {
  // while listing: each file's name and the index of its directory's relative path (rels);
  // once sorted, the hrefs are packed into the list and these go (PackageList: no string or
  // object per package is held for the run)
  const names: string[] = [];
  const dirs: number[] = [];
  const rels: string[] = [];
  // synchronous, paths joined by hand: a repository is one or a few directories of thousands
  // of entries, where async iteration and path.relative per entry cost more than the listing
  // itself. Entries are taken a batch at a time (opendir), never the whole directory as one
  // array: at 200,000 files that array alone took ~45 MiB of heap, and the process kept the
  // pages for the rest of the run.
  visitPackageFiles(root, (rel, name) => {
    if (rels[rels.length - 1] !== rel) rels.push(rel);
    names.push(name);
    dirs.push(rels.length - 1);
    return true;
  });
  // sorted by Array.prototype.sort's own string order (UTF-16 code units, not locale order, so
  // output does not depend on the machine), with no comparator called per comparison. In one
  // directory the names decide; else each name is keyed by itself, a NUL (which sorts first and
  // no file name holds) and the href.
  if (rels.length <= 1) {
    const rel = rels[0] ?? '';
    names.sort();
    return PackageList.build(names.length, (i) => rel + names[i]!);
  }
  const keys = names.map((name, i) => `${name}\0${rels[dirs[i]!]!}${name}`);
  names.length = 0;
  keys.sort();
  return PackageList.build(keys.length, (i) => {
    const key = keys[i]!;
    return key.slice(key.indexOf('\0') + 1);
  });
}

/**
 * Calls `file(rel, name)` for each package file under `root` (`rel`: its directory relative to
 * `root`, '' or ending in '/'), a directory at a time, in the order the file system lists them:
 * `.rpm` files and links to them; names starting with `.` and the top-level `repodata/` are
 * skipped. Stops when `file` returns false. The one definition of what createrepo counts as a
 * package file (findPackages, and the I/O thread's bounded pre-count, io-prestart.ts).
 */
export function visitPackageFiles(root: string, file: (rel: string, name: string) => boolean): void {
  let going = true;
  const walk = (dir: string, rel: string): void => {
    const d = opendirSync(dir, { bufferSize: LISTING_BATCH });
    try {
      for (let entry = d.readSync(); entry !== null && going; entry = d.readSync()) {
        const name = entry.name;
        if (name.startsWith('.')) continue;
        if (entry.isDirectory()) {
          if (rel === '' && name === 'repodata') continue;
          walk(dir + sep + name, `${rel}${name}/`);
        } else if ((entry.isFile() || entry.isSymbolicLink()) && name.endsWith('.rpm')) {
          going = file(rel, name);
        }
      }
    } finally {
      d.closeSync();
    }
  };
  walk(root, '');
}
