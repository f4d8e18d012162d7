/** One `<package>` of other.xml as createrepo_c 0.17.3 writes it (changelog oldest first). */
import type { PackageRecord } from '../model.js';
import { packageOpen } from './filelists.js';
import { DEFAULT_CHANGELOG_LIMIT, selectChangelog } from './prepared.js';
import type { ChangelogOut } from './prepared.js';
import { escapeAttr as attr, escapeText as text } from './xml-escape.js';

export function otherXml(rec: PackageRecord, changelog: readonly ChangelogOut[]): string {
  let s = packageOpen(rec);
  for (const c of changelog) {
    s += `  <changelog author="${attr(c.author)}" date="${c.date}">${text(c.text)}</changelog>\n`;
  }
  return s + '</package>\n';
}

export function otherFragment(rec: PackageRecord, opts: { changelogLimit?: number } = {}): string {
  return otherXml(rec, selectChangelog(rec.pkg.changelog, opts.changelogLimit ?? DEFAULT_CHANGELOG_LIMIT));
}
