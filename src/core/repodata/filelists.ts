/** One `<package>` of filelists.xml as createrepo_c 0.17.3 writes it: every file, header order. */
import type { PackageRecord } from '../model.js';
import { fileLines } from './primary.js';
import { escapeAttr as attr } from './xml-escape.js';

/** `<package pkgid name arch>` + `<version/>`: shared by filelists.xml and other.xml. */
export function packageOpen(rec: PackageRecord): string {
  const pkg = rec.pkg;
  return (
    `<package pkgid="${attr(rec.sha256)}" name="${attr(pkg.name)}" arch="${attr(pkg.arch)}">\n` +
    `  <version epoch="${pkg.epoch ?? 0}" ver="${attr(pkg.version)}" rel="${attr(pkg.release)}"/>\n`
  );
}

export function filelistsFragment(rec: PackageRecord): string {
  return packageOpen(rec) + fileLines(rec, '  ', false) + '</package>\n';
}
