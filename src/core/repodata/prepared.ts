/**
 * The package as createrepo_c holds it just before dumping XML: dependency lists filtered and
 * mapped, changelog limited and ordered. The control-character check and all three fragments
 * work on this view, so a control character in something createrepo_c drops (an `rpmlib(`
 * require, a changelog entry past the limit) does not exclude the package — as in createrepo_c.
 */
import type { PackageRecord } from '../model.js';
import { dependencyEntries } from './dependencies.js';
import type { DependencyLists, DependencyOptions, DroppedDependency } from './dependencies.js';

export interface ChangelogOut {
  author: string;
  date: number;
  text: string;
}

export interface PackageOptions extends DependencyOptions {
  /** Newest header entries to keep (createrepo_c `--changelog-limit`, default 10); negative: all. */
  changelogLimit?: number;
}

export interface PreparedPackage {
  rec: PackageRecord;
  deps: DependencyLists;
  dropped: DroppedDependency[];
  /** Oldest first, as written to other.xml. */
  changelog: ChangelogOut[];
}

export const DEFAULT_CHANGELOG_LIMIT = 10;

/**
 * The first `limit` header entries (normally the newest), returned oldest first. Trailing spaces
 * leave the author (never its first character). Where consecutive entries share a date, the newer
 * ones are bumped by one second each so dates strictly increase — with createrepo_c's quirk that
 * its bump counter is a C `int`, so dates from 2^31 on are never bumped.
 */
export function selectChangelog(
  entries: readonly { author: string; time: number; text: string }[],
  limit: number = DEFAULT_CHANGELOG_LIMIT,
): ChangelogOut[] {
  const n = limit < 0 ? entries.length : Math.min(limit, entries.length);
  // sized once (cut short at a hole, as the loop stops there)
  const out = new Array<ChangelogOut>(n);
  let lastTime = 0;
  for (let k = 0; k < n; k++) {
    const e = entries[k];
    if (!e) {
      out.length = k;
      break;
    }
    let end = e.author.length;
    while (end > 1 && e.author.charCodeAt(end - 1) === 0x20) end--;
    out[k] = { author: end === e.author.length ? e.author : e.author.slice(0, end), date: e.time, text: e.text };
    if (e.time === lastTime) {
      // walk back over the newer entries (already in `out`) that carry the same running date
      let tmp = e.time | 0;
      for (let p = k - 1; p >= 0; p--) {
        const prev = out[p];
        if (!prev || prev.date !== tmp) break;
        prev.date++;
        tmp++;
      }
    } else {
      lastTime = e.time;
    }
  }
  return out.reverse();
}

export function preparePackage(rec: PackageRecord, opts: PackageOptions = {}): PreparedPackage {
  const { lists, dropped } = dependencyEntries(rec.pkg, opts);
  return {
    rec,
    deps: lists,
    dropped,
    changelog: selectChangelog(rec.pkg.changelog, opts.changelogLimit ?? DEFAULT_CHANGELOG_LIMIT),
  };
}
