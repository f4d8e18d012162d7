/**
 * Find package files under a repository directory, in createrepo_c's order: sorted by file
 * name, then by relative path (formats.md §3.1). `repodata/` and dot-directories are skipped.
 */
import { opendir } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';

export interface FoundPackage {
  /** Absolute path on disk. */
  path: string;
  /** Path relative to the repository root with `/` separators: the `location href`. */
  href: string;
  name: string;
}

export async function findPackages(root: string): Promise<FoundPackage[]> {
  const found: FoundPackage[] = [];
  async function walk(dir: string): Promise<void> {
    const handle = await opendir(dir);
    for await (const entry of handle) {
      if (entry.name.startsWith('.')) continue;
      const full = join(dir, entry.name);
      if (entry.isDirectory()) {
        if (dir === root && entry.name === 'repodata') continue;
        await walk(full);
      } else if ((entry.isFile() || entry.isSymbolicLink()) && entry.name.endsWith('.rpm')) {
        found.push({ path: full, href: relative(root, full).split(sep).join('/'), name: entry.name });
      }
    }
  }
  await walk(root);
  found.sort((a, b) => compare(a.name, b.name) || compare(a.href, b.href));
  return found;
}

/** Byte-wise comparison (strcmp), not locale order, so output does not depend on the machine. */
function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
