/**
 * Dependency → `<rpm:entry>` rules of createrepo_c 0.17.3 (`cr_package_from_header`,
 * formats.md §3.3), applied in its order so the lists match it entry for entry.
 */
import type { Dependency, RpmPackage } from '../model.js';
import { flagName, parseEvr, rpmvercmp } from './evr.js';
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

export function dependencyEntries(pkg: RpmPackage, opts: DependencyOptions = {}): DependencyResult {
  const legacy = opts.legacyWeakDeps ?? true;
  const preMask = PREREQ | SCRIPT_PRE | SCRIPT_POST | (opts.preIncludesTrans ? PRETRANS | POSTTRANS : 0);
  const lists: DependencyLists = {
    provides: [],
    requires: [],
    conflicts: [],
    obsoletes: [],
    suggests: [],
    enhances: [],
    recommends: [],
    supplements: [],
  };
  const dropped: DroppedDependency[] = [];
  // built on the first file require (most packages have none)
  let ownFiles: Set<string> | null = null;
  // name + flag name + raw version, exactly the key createrepo_c builds (ambiguity included);
  // only requires look it up, so without them it is not built
  const provided = new Set<string>();
  const keyProvides = pkg.requires.length > 0;
  // last kept require per name: its flags, raw version and pre (made on the first require)
  let lastRequire: Map<string, { flags: string; version: string; pre: boolean }> | null = null;

  for (let g = 0; g < (legacy ? GROUPS.length : GROUPS.length - 2); g++) {
    const from = GROUPS[g]!;
    const deps: readonly Dependency[] = pkg[from];
    let libcHighest: DepEntry | null = null;
    for (let d = 0; d < deps.length; d++) {
      const dep = deps[d]!;
      const flags = flagName(dep.flags);
      // only provides and requires use the key (a string built per dependency)
      const key = (from === 'provides' && keyProvides) || (from === 'requires' && provided.size > 0) ? dep.name + (flags ?? '') + dep.version : '';
      let pre = false;
      if (from === 'requires') {
        if (dep.name.startsWith('rpmlib(')) continue;
        if (dep.name.startsWith('/')) {
          ownFiles ??= new Set(pkg.files.map((f) => f.path));
          if (ownFiles.has(dep.name) && isPrimaryFile(dep.name)) continue;
        }
        if (provided.size > 0 && provided.has(key)) continue;
        pre = (dep.flags & preMask) !== 0;
        const last = lastRequire?.get(dep.name);
        if (last && last.flags === (flags ?? '') && last.version === dep.version && last.pre === pre) continue;
      }
      const evr = parseEvr(dep.version);
      if (evr === 'bad-epoch') {
        dropped.push({ from, name: dep.name, version: dep.version, reason: 'bad-epoch' });
        continue;
      }
      const entry: DepEntry = {
        name: dep.name,
        flags,
        epoch: evr?.epoch ?? '',
        ver: evr?.ver ?? '',
        rel: evr?.rel ?? '',
        pre: false,
      };
      switch (from) {
        case 'provides':
          if (keyProvides) provided.add(key);
          lists.provides.push(entry);
          break;
        case 'requires':
          if (legacy && (dep.flags & MISSINGOK) !== 0) {
            lists.recommends.push(entry);
            break;
          }
          entry.pre = pre;
          if (entry.name.startsWith('libc.so.6')) {
            if (!libcHighest || compareLibc(libcHighest.name, entry.name) === 2) libcHighest = entry;
            break;
          }
          lists.requires.push(entry);
          (lastRequire ??= new Map()).set(entry.name, { flags: flags ?? '', version: dep.version, pre });
          break;
        case 'oldSuggests':
          lists[(dep.flags & STRONG) !== 0 ? 'recommends' : 'suggests'].push(entry);
          break;
        case 'oldEnhances':
          lists[(dep.flags & STRONG) !== 0 ? 'supplements' : 'enhances'].push(entry);
          break;
        default:
          lists[from].push(entry);
      }
    }
    // createrepo_c appends the single libc.so.6 require after all others
    if (libcHighest) lists.requires.push(libcHighest);
  }
  return { lists, dropped };
}
