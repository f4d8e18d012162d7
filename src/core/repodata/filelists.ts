/** One `<package>` of filelists.xml as createrepo_c 0.17.3 writes it: every file, header order. */
import type { PackageRecord } from '../model.js';
import { writeFileLines, writeVersion } from './primary.js';
import { asString, type XmlWriter } from './xml-writer.js';

/** `<package pkgid name arch>` + `<version/>`: shared by filelists.xml and other.xml. */
export function writePackageOpen(out: XmlWriter, rec: PackageRecord): void {
  const pkg = rec.pkg;
  out.raw('<package pkgid="');
  out.attr(rec.sha256);
  out.raw('" name="');
  out.attr(pkg.name);
  out.raw('" arch="');
  out.attr(pkg.arch);
  out.raw('">\n');
  writeVersion(out, pkg);
}

/** Appends the filelists.xml `<package>` of a record to `out`, as UTF-8. */
export function writeFilelists(out: XmlWriter, rec: PackageRecord): void {
  writePackageOpen(out, rec);
  writeFileLines(out, rec, '  ', false);
  out.raw('</package>\n');
}

export function filelistsFragment(rec: PackageRecord): string {
  return asString((out) => writeFilelists(out, rec));
}
