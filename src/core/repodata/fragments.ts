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
import type { PackageOptions, PreparedPackage } from './prepared.js';
import { primaryXml } from './primary.js';
import { findForbiddenChars } from './xml-escape.js';
import type { ByteBuffer } from './byte-buffer.js';

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

/** The package as the writers take it, or why it is left out. */
export function checkedPackage(rec: PackageRecord, opts: PackageOptions = {}): PreparedPackage | ExcludedPackage {
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
  return prepared;
}

/**
 * Appends the primary, filelists and other fragment of a checked package to `out` as UTF-8, one
 * after the other; `ends` receives the end offset of each. (Building each fragment as a string
 * and encoding it once measured faster in V8 than writing bytes piece by piece.)
 */
export function writeFragments(out: ByteBuffer, p: PreparedPackage, ends: Uint32Array, at = 0): void {
  out.appendString(primaryXml(p));
  ends[at] = out.length;
  out.appendString(filelistsFragment(p.rec));
  ends[at + 1] = out.length;
  out.appendString(otherXml(p.rec, p.changelog));
  ends[at + 2] = out.length;
}

export function fragments(rec: PackageRecord, opts: PackageOptions = {}): PackageFragments | ExcludedPackage {
  const checked = checkedPackage(rec, opts);
  if (isExcluded(checked)) return checked;
  return {
    primary: primaryXml(checked),
    filelists: filelistsFragment(rec),
    other: otherXml(rec, checked.changelog),
    dropped: checked.dropped,
  };
}

export function isExcluded(r: object): r is ExcludedPackage {
  return 'excluded' in r;
}
