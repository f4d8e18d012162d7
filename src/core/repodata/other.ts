/** One `<package>` of other.xml as createrepo_c 0.17.3 writes it (changelog oldest first). */
import type { PackageRecord } from '../model.js';
import { writePackageOpen } from './filelists.js';
import { DEFAULT_CHANGELOG_LIMIT, selectChangelog } from './prepared.js';
import type { ChangelogOut } from './prepared.js';
import { asString, type XmlWriter } from './xml-writer.js';

/** Appends the other.xml `<package>` of a record and its selected changelog to `out`, as UTF-8. */
export function writeOther(out: XmlWriter, rec: PackageRecord, changelog: readonly ChangelogOut[]): void {
  writePackageOpen(out, rec);
  for (let i = 0; i < changelog.length; i++) {
    const c = changelog[i]!;
    out.raw('  <changelog author="');
    out.attr(c.author);
    out.raw('" date="');
    out.uint(c.date);
    out.raw('">');
    out.text(c.text);
    out.raw('</changelog>\n');
  }
  out.raw('</package>\n');
}

export function otherXml(rec: PackageRecord, changelog: readonly ChangelogOut[]): string {
  return asString((out) => writeOther(out, rec, changelog));
}

export function otherFragment(rec: PackageRecord, opts: { changelogLimit?: number } = {}): string {
  return otherXml(rec, selectChangelog(rec.pkg.changelog, opts.changelogLimit ?? DEFAULT_CHANGELOG_LIMIT));
}
