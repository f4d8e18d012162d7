/**
 * The three `<package>` fragments of one record, or why the package is left out (createrepo_c
 * leaves out packages with C0 control characters; Berth also those with the other characters XML
 * 1.0 forbids, which createrepo_c writes and dnf then cannot load). Exclusion is a result, not an exception: a repository keeps publishing the others and
 * reports the refused package (createrepo_c logs it and exits 0).
 */
import type { PackageRecord } from '../model.js';
import type { DroppedDependency } from './dependencies.js';
import { filelistsFragment, writeFilelists } from './filelists.js';
import { otherXml, writeOther } from './other.js';
import { preparePackage } from './prepared.js';
import type { PackageOptions, PreparedPackage } from './prepared.js';
import { primaryXml, writePrimary } from './primary.js';
import { DEP_KINDS, UnrepresentableCharError, findForbiddenChars, hasForbiddenChars } from './xml-escape.js';
import type { XmlWriter } from './xml-writer.js';

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
  return exclusion(prepared) ?? prepared;
}

function exclusion(p: PreparedPackage): ExcludedPackage | null {
  const hit = findForbiddenChars(p);
  if (!hit) return null;
  return {
    excluded: {
      code: 'forbidden-chars',
      field: hit.field,
      char: hit.char,
      message: `${hit.field} contains ${hit.char}, a character XML 1.0 cannot carry (C0 controls other than TAB, LF, CR; U+FFFE, U+FFFF; unpaired surrogates)`,
    },
  };
}

/**
 * `writeFragments` of a prepared package that may hold a forbidden character, checked as
 * `checkedPackage` checks but in the same pass: the writer refuses any such character it
 * meets, and the few checked strings it does not write (the EVR of an entry without flags or
 * without a name) are checked here. When the package is left out, nothing stays in `out`.
 * Throws what the writer throws for anything else.
 */
export function writeCheckedFragments(out: XmlWriter, p: PreparedPackage, ends: Uint32Array, at = 0): ExcludedPackage | null {
  const start = out.length;
  try {
    writeFragments(out, p, ends, at);
  } catch (e) {
    out.length = start;
    if (!(e instanceof UnrepresentableCharError)) throw e;
    const why = exclusion(p);
    if (why) return why;
    throw e;
  }
  const why = unwrittenForbidden(p) ? exclusion(p) : null;
  if (why) out.length = start;
  return why;
}

/** A forbidden character in a checked string that primary.xml does not write. */
function unwrittenForbidden(p: PreparedPackage): boolean {
  for (let k = 0; k < DEP_KINDS.length; k++) {
    const list = p.deps[DEP_KINDS[k]!];
    for (let i = 0; i < list.length; i++) {
      const e = list[i]!;
      if (e.name !== '' && e.flags) continue;
      if ((e.epoch !== '' && hasForbiddenChars(e.epoch)) || (e.ver !== '' && hasForbiddenChars(e.ver)) || (e.rel !== '' && hasForbiddenChars(e.rel))) return true;
    }
  }
  return false;
}

/**
 * Appends the primary, filelists and other fragment of a checked package to `out` as UTF-8, one
 * after the other, escaping as it encodes (xml-writer.ts); `ends` receives the end offset of each.
 */
export function writeFragments(out: XmlWriter, p: PreparedPackage, ends: Uint32Array, at = 0): void {
  writePrimary(out, p);
  ends[at] = out.length;
  writeFilelists(out, p.rec);
  ends[at + 1] = out.length;
  writeOther(out, p.rec, p.changelog);
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
