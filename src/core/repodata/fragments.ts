/**
 * The three `<package>` fragments of one record, or why createrepo_c would leave the package
 * out. Exclusion is a result, not an exception: a repository keeps publishing the others and
 * reports the refused package (createrepo_c logs it and exits 0).
 */
import type { PackageRecord } from '../model.js';
import type { DroppedDependency } from './dependencies.js';
import { filelistsFragment } from './filelists.js';
import { otherXml } from './other.js';
import { preparePackage } from './prepared.js';
import type { PackageOptions } from './prepared.js';
import { primaryXml } from './primary.js';
import { findControlChars } from './xml-escape.js';

export interface PackageFragments {
  primary: string;
  filelists: string;
  other: string;
  /** Dependencies left out with a warning (non-numeric epoch), as createrepo_c does. */
  dropped: DroppedDependency[];
}

export interface ExcludedPackage {
  excluded: {
    code: 'control-chars';
    /** The first offending field, e.g. `provides[2].name`. */
    field: string;
    message: string;
  };
}

export function fragments(rec: PackageRecord, opts: PackageOptions = {}): PackageFragments | ExcludedPackage {
  const prepared = preparePackage(rec, opts);
  const hit = findControlChars(prepared);
  if (hit) {
    return {
      excluded: {
        code: 'control-chars',
        field: hit.field,
        message: `${hit.field} contains a control character (below 0x20, other than TAB, LF, CR) that XML cannot carry`,
      },
    };
  }
  return {
    primary: primaryXml(prepared),
    filelists: filelistsFragment(rec),
    other: otherXml(rec, prepared.changelog),
    dropped: prepared.dropped,
  };
}

export function isExcluded(r: PackageFragments | ExcludedPackage): r is ExcludedPackage {
  return 'excluded' in r;
}
