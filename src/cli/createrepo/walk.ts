/**
 * Find package files under a repository directory, in createrepo_c's order: sorted by file
 * name, then by relative path (formats.md §3.1). `repodata/` and dot-directories are skipped.
 */
import { opendirSync } from 'node:fs';
import { sep } from 'node:path';

/**
 * One package file. Held for every package of the run, so it holds only what the order needs:
 * the path on disk is the root joined with `href` (packagePath), made when the file is read.
 */
export interface FoundPackage {
  /** Path relative to the repository root with `/` separators: the `location href`. */
  href: string;
  /** The file name (the same string as `href` for a file at the top of the repository). */
  name: string;
}

/** Directory entries read per system call batch while listing. */
const LISTING_BATCH = 512;

/** Where `href` is on disk. */
export function packagePath(root: string, href: string): string {
  return root + sep + href;
}

export function findPackages(root: string): FoundPackage[] {
  const found: FoundPackage[] = [];
  // synchronous, paths joined by hand: a repository is one or a few directories of thousands
  // of entries, where async iteration and path.relative per entry cost more than the listing
  // itself. Entries are taken a batch at a time (opendir), never the whole directory as one
  // array: at 200,000 files that array alone took ~45 MiB of heap, and the process kept the
  // pages for the rest of the run.
  const walk = (dir: string, rel: string): void => {
    const d = opendirSync(dir, { bufferSize: LISTING_BATCH });
    try {
      for (let entry = d.readSync(); entry !== null; entry = d.readSync()) {
        const name = entry.name;
        if (name.startsWith('.')) continue;
        if (entry.isDirectory()) {
          if (rel === '' && name === 'repodata') continue;
          walk(dir + sep + name, `${rel}${name}/`);
        } else if ((entry.isFile() || entry.isSymbolicLink()) && name.endsWith('.rpm')) {
          found.push({ href: rel === '' ? name : rel + name, name });
        }
      }
    } finally {
      d.closeSync();
    }
  };
  walk(root, '');
  found.sort((a, b) => compare(a.name, b.name) || compare(a.href, b.href));
  return found;
}

/** Byte-wise comparison (strcmp), not locale order, so output does not depend on the machine. */
function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
