/**
 * Dependency → `<rpm:entry>` rules of createrepo_c 0.17.3 (`cr_package_from_header`,
 * formats.md §3.3), applied in its order so the lists match it entry for entry.
 */
import type { Dependency, PackageFile, RpmPackage } from '../model.js';
import { flagName, rpmvercmp, splitEvr } from './evr.js';
import type { FlagName } from './evr.js';
import { isPrimaryFile } from './primary-files.js';

export interface DepEntry {
  name: string;
  /** null: no `flags`, and then no epoch/ver/rel either. */
  flags: FlagName | null;
  /** "" when absent (no attribute written). */
  epoch: string;
  ver: string;
  rel: string;
  /** `pre="1"`; only ever true in `requires`. */
  pre: boolean;
}

export type DepKind =
  | 'provides'
  | 'requires'
  | 'conflicts'
  | 'obsoletes'
  | 'suggests'
  | 'enhances'
  | 'recommends'
  | 'supplements';

export type DependencyLists = Record<DepKind, DepEntry[]>;

/** A dependency createrepo_c would drop with a warning; reported so the upload can say so. */
export interface DroppedDependency {
  /** Header array it came from (`oldSuggests`, `oldEnhances` for the legacy tags). */
  from: DepKind | 'oldSuggests' | 'oldEnhances';
  name: string;
  version: string;
  reason: 'bad-epoch';
}

export interface DependencyOptions {
  /**
   * Also mark `Requires(pretrans)` / `Requires(posttrans)` with `pre="1"`, as createrepo_c
   * ≥ 1.1.1 does. Default false = 0.17.3 behaviour (PREREQ, SCRIPT_PRE, SCRIPT_POST only),
   * which is what the reference output in this repository was made with.
   */
  preIncludesTrans?: boolean;
  /**
   * createrepo_c's default build option LegacyWeakdeps: MISSINGOK requires become recommends,
   * and the SUSE OLDSUGGESTS/OLDENHANCES tags map to weak deps. Default true.
   */
  legacyWeakDeps?: boolean;
}

const PREREQ = 0x40;
const SCRIPT_PRE = 0x200;
const SCRIPT_POST = 0x400;
const PRETRANS = 0x80;
const POSTTRANS = 0x20;
const MISSINGOK = 1 << 19;
const STRONG = 1 << 27;

/**
 * libc.so.6 ordering (`cr_compare_dependency`): compare the version inside the first
 * parentheses, starting at its first digit. 1: first is higher, 2: second is higher, 0: same.
 */
function compareLibc(a: string, b: string): 0 | 1 | 2 | -1 {
  if (a === b) return 0;
  const oa = a.indexOf('(');
  const ob = b.indexOf('(');
  if (oa < 0 && ob < 0) return 0;
  if (oa < 0) return 2;
  if (ob < 0) return 1;
  const ca = a.indexOf(')', oa);
  const cb = b.indexOf(')', ob);
  if (ca < 0 && cb < 0) return -1;
  if (ca < 0) return 2;
  if (cb < 0) return 1;
  let va = oa + 1;
  let vb = ob + 1;
  if (va === ca && vb === cb) return 0;
  if (va === ca) return 2;
  if (vb === cb) return 1;
  const firstDigit = (s: string, k: number): number => {
    while (k < s.length && !(s.charAt(k) >= '0' && s.charAt(k) <= '9')) k++;
    return k;
  };
  va = firstDigit(a, va);
  vb = firstDigit(b, vb);
  if (va > ca && vb > cb) return 0;
  if (va > ca) return 2;
  if (vb > cb) return 1;
  const r = rpmvercmp(a.slice(va, ca), b.slice(vb, cb));
  return r === -1 ? 2 : r;
}

/** createrepo_c's order of the header's lists; the last two only with legacy weak deps. */
const GROUPS: readonly (DepKind | 'oldSuggests' | 'oldEnhances')[] = [
  'provides',
  'conflicts',
  'obsoletes',
  'requires',
  'suggests',
  'enhances',
  'recommends',
  'supplements',
  'oldSuggests',
  'oldEnhances',
];

export interface DependencyResult {
  lists: DependencyLists;
  dropped: DroppedDependency[];
}

/** Provides at most this many: a require is looked up among them by a scan, not a key set. */
const SCAN_PROVIDES = 32;
/** Files × requires at most this many: a file require is looked up among the files by a scan. */
const SCAN_FILES = 4096;
/** Requires at most this many: the last kept one of a name is found by a scan, not a map. */
const SCAN_REQUIRES = 64;

/**
 * `a1 + a2 + a3 === b1 + b2 + b3`, without building either string: the key createrepo_c matches
 * requires against provides with (name + flag name + raw version, ambiguity included).
 */
function sameKey(a1: string, a2: string, a3: string, b1: string, b2: string, b3: string): boolean {
  const n = a1.length + a2.length + a3.length;
  if (n !== b1.length + b2.length + b3.length) return false;
  if (a1 === b1) return a2 === b2 ? a3 === b3 : a2 + a3 === b2 + b3;
  for (let i = 0; i < n; i++) if (keyCode(a1, a2, a3, i) !== keyCode(b1, b2, b3, i)) return false;
  return true;
}

function keyCode(s1: string, s2: string, s3: string, i: number): number {
  if (i < s1.length) return s1.charCodeAt(i);
  i -= s1.length;
  return i < s2.length ? s2.charCodeAt(i) : s3.charCodeAt(i - s2.length);
}

/** An empty list, shared by every package (never added to: `add` replaces it). */
const NONE: DepEntry[] = Object.freeze([]) as unknown as DepEntry[];
const NO_DROPS: DroppedDependency[] = Object.freeze([]) as unknown as DroppedDependency[];

function add(lists: DependencyLists, kind: DepKind, entry: DepEntry): void {
  const list = lists[kind];
  if (list === NONE) lists[kind] = [entry];
  else list.push(entry);
}

/** Per package, reused: the kept provides (index into `pkg.provides`) and kept requires (into `pkg.requires`). */
let keptProvides: number[] = [];
let keptRequires: number[] = [];

export function dependencyEntries(pkg: RpmPackage, opts: DependencyOptions = {}): DependencyResult {
  const legacy = opts.legacyWeakDeps ?? true;
  const preMask = PREREQ | SCRIPT_PRE | SCRIPT_POST | (opts.preIncludesTrans ? PRETRANS | POSTTRANS : 0);
  // each list made on its first entry (most packages fill two or three of the eight)
  const lists: DependencyLists = {
    provides: NONE,
    requires: NONE,
    conflicts: NONE,
    obsoletes: NONE,
    suggests: NONE,
    enhances: NONE,
    recommends: NONE,
    supplements: NONE,
  };
  let dropped: DroppedDependency[] = NO_DROPS;
  // built on the first primary-file require when there are many files and requires
  let ownFiles: Set<string> | null = null;
  const scanFiles = pkg.files.length * pkg.requires.length <= SCAN_FILES;
  // requires equal to a kept provide by createrepo_c's key are dropped: with few provides the
  // kept ones are scanned (keptProvides), with many their keys go into a set (only when there
  // are requires to look up)
  const keyProvides = pkg.requires.length > 0;
  const provided: Set<string> | null = keyProvides && pkg.provides.length > SCAN_PROVIDES ? new Set<string>() : null;
  let providedCount = 0;
  // the last kept require per name (its flags, raw version and pre must differ for the next one
  // of that name to be kept): with few requires found by a scan back (keptRequires), else a map
  let lastRequire: Map<string, { flags: string; version: string; pre: boolean }> | null = null;
  const scanRequires = pkg.requires.length <= SCAN_REQUIRES;
  if (keptProvides.length < pkg.provides.length && pkg.provides.length <= SCAN_PROVIDES) keptProvides = new Array<number>(SCAN_PROVIDES);
  if (keptRequires.length < pkg.requires.length && scanRequires) keptRequires = new Array<number>(SCAN_REQUIRES);

  for (let g = 0; g < (legacy ? GROUPS.length : GROUPS.length - 2); g++) {
    const from = GROUPS[g]!;
    const deps: readonly Dependency[] = pkg[from];
    let libcHighest: DepEntry | null = null;
    for (let d = 0; d < deps.length; d++) {
      const dep = deps[d]!;
      const flags = flagName(dep.flags);
      let pre = false;
      if (from === 'requires') {
        if (dep.name.startsWith('rpmlib(')) continue;
        if (dep.name.startsWith('/') && isPrimaryFile(dep.name)) {
          // few files × requires: a scan; else a set of the paths, built once
          if (scanFiles) {
            if (ownsFile(pkg.files, dep.name)) continue;
          } else if ((ownFiles ??= new Set(pkg.files.map((f) => f.path))).has(dep.name)) continue;
        }
        if (providedCount > 0 && isProvided(pkg.provides, provided, providedCount, dep.name, flags ?? '', dep.version)) continue;
        pre = (dep.flags & preMask) !== 0;
        if (scanRequires ? sameAsLastKept(lists.requires, deps, dep.name, flags, dep.version, pre) : sameAsLast(lastRequire, dep.name, flags, dep.version, pre)) continue;
      }
      const entry: DepEntry = { name: dep.name, flags, epoch: '', ver: '', rel: '', pre: false };
      if (!splitEvr(dep.version, entry)) {
        if (dropped === NO_DROPS) dropped = [];
        dropped.push({ from, name: dep.name, version: dep.version, reason: 'bad-epoch' });
        continue;
      }
      switch (from) {
        case 'provides':
          if (keyProvides) {
            if (provided !== null) provided.add(dep.name + (flags ?? '') + dep.version);
            else keptProvides[providedCount] = d;
            providedCount++;
          }
          add(lists, 'provides', entry);
          break;
        case 'requires':
          if (legacy && (dep.flags & MISSINGOK) !== 0) {
            add(lists, 'recommends', entry);
            break;
          }
          entry.pre = pre;
          if (entry.name.startsWith('libc.so.6')) {
            if (!libcHighest || compareLibc(libcHighest.name, entry.name) === 2) libcHighest = entry;
            break;
          }
          if (scanRequires) keptRequires[lists.requires.length] = d;
          else (lastRequire ??= new Map()).set(entry.name, { flags: flags ?? '', version: dep.version, pre });
          add(lists, 'requires', entry);
          break;
        case 'oldSuggests':
          add(lists, (dep.flags & STRONG) !== 0 ? 'recommends' : 'suggests', entry);
          break;
        case 'oldEnhances':
          add(lists, (dep.flags & STRONG) !== 0 ? 'supplements' : 'enhances', entry);
          break;
        default:
          add(lists, from, entry);
      }
    }
    // createrepo_c appends the single libc.so.6 require after all others
    if (libcHighest) add(lists, 'requires', libcHighest);
  }
  return { lists, dropped };
}

function ownsFile(files: readonly PackageFile[], path: string): boolean {
  for (let i = 0; i < files.length; i++) if (files[i]!.path === path) return true;
  return false;
}

/** A kept provide has the key of this require (in the set, or among the first `count` kept). */
function isProvided(provides: readonly Dependency[], provided: Set<string> | null, count: number, name: string, flags: string, version: string): boolean {
  if (provided !== null) return provided.has(name + flags + version);
  for (let k = 0; k < count; k++) {
    const p = provides[keptProvides[k]!]!;
    if (sameKey(p.name, flagName(p.flags) ?? '', p.version, name, flags, version)) return true;
  }
  return false;
}

/** The last kept require named `name` (found scanning back) has these flags, raw version and pre. */
function sameAsLastKept(kept: readonly DepEntry[], requires: readonly Dependency[], name: string, flags: FlagName | null, version: string, pre: boolean): boolean {
  for (let k = kept.length - 1; k >= 0; k--) {
    const e = kept[k]!;
    if (e.name !== name) continue;
    return e.flags === flags && e.pre === pre && requires[keptRequires[k]!]!.version === version;
  }
  return false;
}

function sameAsLast(last: Map<string, { flags: string; version: string; pre: boolean }> | null, name: string, flags: FlagName | null, version: string, pre: boolean): boolean {
  const l = last?.get(name);
  return l !== undefined && l.flags === (flags ?? '') && l.version === version && l.pre === pre;
}
