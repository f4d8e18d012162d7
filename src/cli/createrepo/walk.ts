/**
 * Find package files under a repository directory, in createrepo_c's order: sorted by file
 * name, then by relative path (formats.md §3.1). `repodata/` and dot-directories are skipped.
 */
import { readdirSync } from 'node:fs';
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

/** Where `href` is on disk. */
export function packagePath(root: string, href: string): string {
  return root + sep + href;
}

export function findPackages(root: string): FoundPackage[] {
  const found: FoundPackage[] = [];
  // synchronous, one listing per directory, paths joined by hand: a repository is one or a few
  // directories of thousands of entries, where async iteration and path.relative per entry cost
  // more than the listing itself
  const walk = (dir: string, rel: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const name = entry.name;
      if (name.startsWith('.')) continue;
      if (entry.isDirectory()) {
        if (rel === '' && name === 'repodata') continue;
        walk(dir + sep + name, `${rel}${name}/`);
      } else if ((entry.isFile() || entry.isSymbolicLink()) && name.endsWith('.rpm')) {
        found.push({ href: rel === '' ? name : rel + name, name });
      }
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
