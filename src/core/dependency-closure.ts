/**
 * Dependency closure over one repository (promotion with dependencies): starting from the
 * packages chosen, every requirement no package already taken satisfies is resolved against the
 * pool — the newest package that provides it (a versioned provide whose range overlaps the
 * requirement, an unversioned one, the package's own name, or a file it lists) — and what that
 * package requires in turn, until nothing new is needed. Requirements nothing in the pool
 * provides (rpmlib features, what the installed system provides, rich dependencies) are returned
 * as unresolved. Pure.
 */
import { compareEvr } from './package-order.js';
import { rpmvercmp } from './repodata/evr.js';
import type { DepRef, PackageDeps } from './repodata/read/package-deps.js';

const LESS = 2;
const GREATER = 4;
const EQUAL = 8;
const SENSE: Record<string, number> = { LT: LESS, GT: GREATER, EQ: EQUAL, LE: LESS | EQUAL, GE: GREATER | EQUAL };

/** rpm's order of two dependency versions; a release only counts when both give one. */
function compareDepEvr(a: DepRef, b: DepRef): number {
  if (a.epoch !== b.epoch) return a.epoch < b.epoch ? -1 : 1;
  const v = rpmvercmp(a.ver, b.ver);
  if (v !== 0 || a.rel === '' || b.rel === '') return v;
  return rpmvercmp(a.rel, b.rel);
}

/** Whether a provide satisfies a requirement of the same name: do their version ranges overlap? */
export function rangesOverlap(provide: DepRef, require: DepRef): boolean {
  const p = provide.flags === null ? 0 : (SENSE[provide.flags] ?? 0);
  const r = require.flags === null ? 0 : (SENSE[require.flags] ?? 0);
  if (p === 0 || r === 0) return true; // an unversioned side matches any version
  const sense = compareDepEvr(provide, require);
  if (sense < 0) return (p & GREATER) !== 0 || (r & LESS) !== 0;
  if (sense > 0) return (p & LESS) !== 0 || (r & GREATER) !== 0;
  return ((p & EQUAL) !== 0 && (r & EQUAL) !== 0) || ((p & LESS) !== 0 && (r & LESS) !== 0) || ((p & GREATER) !== 0 && (r & GREATER) !== 0);
}

/** A requirement as rpm prints it: `name`, `name >= 1.0-1`. */
export function depText(d: DepRef): string {
  if (d.flags === null) return d.name;
  const op = { LT: '<', GT: '>', EQ: '=', LE: '<=', GE: '>=' }[d.flags] ?? d.flags;
  return `${d.name} ${op} ${d.epoch > 0 ? `${d.epoch}:` : ''}${d.ver}${d.rel === '' ? '' : `-${d.rel}`}`;
}

/** Rich (boolean) dependencies: not resolved here, reported. rpm's own `rpmlib(…)` features are skipped. */
const unsatisfiable = (d: DepRef): boolean => d.name.startsWith('(');

export interface Closure<T extends PackageDeps> {
  /** Packages of the pool the chosen ones need, in the order they were taken. */
  added: T[];
  /** Requirements nothing taken or in the pool provides, as rpm prints them (sorted, unique). */
  unresolved: string[];
}

function selfProvide(p: PackageDeps): DepRef {
  return { name: p.name, flags: 'EQ', epoch: p.epoch, ver: p.version, rel: p.release };
}

/** Provider index of a set of packages: by provided name and by listed file. */
class Providers<T extends PackageDeps> {
  readonly byName = new Map<string, { pkg: T; dep: DepRef }[]>();
  readonly byFile = new Map<string, T[]>();

  add(pkg: T): void {
    for (const dep of [selfProvide(pkg), ...pkg.provides]) {
      const list = this.byName.get(dep.name);
      if (list) list.push({ pkg, dep });
      else this.byName.set(dep.name, [{ pkg, dep }]);
    }
    for (const f of pkg.files) {
      const list = this.byFile.get(f);
      if (list) list.push(pkg);
      else this.byFile.set(f, [pkg]);
    }
  }

  of(req: DepRef): T[] {
    const out = (this.byName.get(req.name) ?? []).filter(({ dep }) => rangesOverlap(dep, req)).map(({ pkg }) => pkg);
    if (req.name.startsWith('/')) out.push(...(this.byFile.get(req.name) ?? []));
    return out;
  }
}

const newest = <T extends PackageDeps>(pkgs: readonly T[]): T =>
  pkgs.reduce((a, b) => (compareEvr(b, a) > 0 ? b : a));

export function dependencyClosure<T extends PackageDeps>(chosen: readonly PackageDeps[], pool: readonly T[]): Closure<T> {
  const available = new Providers<T>();
  for (const p of pool) available.add(p);
  const taken = new Providers<PackageDeps>();
  const takenIds = new Set<string>();
  const added: T[] = [];
  const unresolved = new Map<string, DepRef>();
  const queue: DepRef[] = [];
  const take = (p: PackageDeps): void => {
    takenIds.add(p.checksum);
    taken.add(p);
    queue.push(...p.requires);
  };
  for (const p of chosen) take(p);
  while (queue.length > 0) {
    const req = queue.shift() as DepRef;
    if (req.name.startsWith('rpmlib(') || taken.of(req).length > 0) continue;
    if (unsatisfiable(req)) {
      unresolved.set(depText(req), req);
      continue;
    }
    const candidates = available.of(req).filter((p) => !takenIds.has(p.checksum));
    if (candidates.length === 0) {
      unresolved.set(depText(req), req);
      continue;
    }
    const pick = newest(candidates);
    added.push(pick);
    take(pick);
  }
  return { added, unresolved: [...unresolved.keys()].sort() };
}
