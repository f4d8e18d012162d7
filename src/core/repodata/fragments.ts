/**
 * The three `<package>` fragments of one record, or why the package is left out (createrepo_c
 * leaves out packages with C0 control characters; Berth also those with the other characters XML
 * 1.0 forbids, which createrepo_c writes and dnf then cannot load). Exclusion is a result, not an exception: a repository keeps publishing the others and
 * reports the refused package (createrepo_c logs it and exits 0).
 */
import type { PackageRecord } from '../model.js';
import type { DroppedDependency } from './dependencies.js';
import { filelistsFragment } from './filelists.js';
import { otherXml } from './other.js';
import { preparePackage } from './prepared.js';
import type { PackageOptions } from './prepared.js';
import { primaryXml } from './primary.js';
import { findForbiddenChars } from './xml-escape.js';

export interface PackageFragments {
  primary: string;
  filelists: string;
  other: string;
  /** Dependencies left out with a warning (non-numeric epoch), as createrepo_c does. */
  dropped: DroppedDependency[];
}

export interface ExcludedPackage {
  excluded: {
    code: 'forbidden-chars';
    /** The first offending field, e.g. `provides[2].name`. */
    field: string;
    /** The character, e.g. `U+FFFE`. */
    char: string;
    message: string;
  };
}

export function fragments(rec: PackageRecord, opts: PackageOptions = {}): PackageFragments | ExcludedPackage {
  const prepared = preparePackage(rec, opts);
  const hit = findForbiddenChars(prepared);
  if (hit) {
    return {
      excluded: {
        code: 'forbidden-chars',
        field: hit.field,
        char: hit.char,
        message: `${hit.field} contains ${hit.char}, a character XML 1.0 cannot carry (C0 controls other than TAB, LF, CR; U+FFFE, U+FFFF; unpaired surrogates)`,
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
