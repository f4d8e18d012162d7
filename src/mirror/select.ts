/**
 * Filtered mode's package choice: include/exclude by name glob, an arch list, and the newest N
 * of each name and arch (rpm version order: epoch, then rpmvercmp on version, then release).
 * An arch list keeps `noarch` packages too: they install on every arch, as dnf's arch
 * compatibility says (`--arch x86_64` is what a dnf on x86_64 could install, noarch included).
 */
import { rpmvercmp } from '../core/repodata/evr.js';
import type { UpstreamPackage } from './primary.js';

export interface Selection {
  include: readonly string[];
  exclude: readonly string[];
  arches: readonly string[];
  newest: number | null;
}

/** Shell-style glob (`*`, `?`, `[…]`, `[!…]`) over the whole name. */
export function globToRegExp(glob: string): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i] as string;
    if (c === '*') re += '.*';
    else if (c === '?') re += '.';
    else if (c === '[') {
      const end = glob.indexOf(']', i + 2);
      if (end < 0) {
        re += '\\[';
        continue;
      }
      let body = glob.slice(i + 1, end);
      if (body.startsWith('!')) body = `^${body.slice(1)}`;
      re += `[${body.replace(/\\/g, '\\\\')}]`;
      i = end;
    } else re += c.replace(/[.+^${}()|\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

export function compareEvr(a: Pick<UpstreamPackage, 'epoch' | 'version' | 'release'>, b: typeof a): number {
  if (a.epoch !== b.epoch) return a.epoch < b.epoch ? -1 : 1;
  return rpmvercmp(a.version, b.version) || rpmvercmp(a.release, b.release);
}

export function selectPackages(all: readonly UpstreamPackage[], sel: Selection): UpstreamPackage[] {
  const inc = sel.include.map(globToRegExp);
  const exc = sel.exclude.map(globToRegExp);
  const arches = new Set(sel.arches);
  if (arches.size > 0) arches.add('noarch');
  const kept = all.filter((p) =>
    (inc.length === 0 || inc.some((r) => r.test(p.name))) &&
    !exc.some((r) => r.test(p.name)) &&
    (arches.size === 0 || arches.has(p.arch)));
  if (sel.newest === null) return kept;
  const groups = new Map<string, UpstreamPackage[]>();
  for (const p of kept) {
    const k = `${p.name}\0${p.arch}`;
    const g = groups.get(k);
    if (g) g.push(p);
    else groups.set(k, [p]);
  }
  const chosen = new Set<UpstreamPackage>();
  for (const g of groups.values()) g.sort((a, b) => compareEvr(b, a)).slice(0, sel.newest).forEach((p) => chosen.add(p));
  return kept.filter((p) => chosen.has(p));
}

/** A warning when filters leave nothing of a non-empty upstream (a typo in a glob or an arch). */
export function emptySelectionWarning(upstream: number, selected: number, sel: Selection): string | null {
  if (upstream === 0 || selected > 0) return null;
  const parts = [
    ...(sel.include.length > 0 ? [`include ${sel.include.join(', ')}`] : []),
    ...(sel.exclude.length > 0 ? [`exclude ${sel.exclude.join(', ')}`] : []),
    ...(sel.arches.length > 0 ? [`arch ${sel.arches.join(', ')}`] : []),
    ...(sel.newest !== null ? [`newest ${sel.newest}`] : []),
  ];
  return `the filters (${parts.join('; ') || 'none'}) select none of the ${upstream} upstream packages: the repository will be empty`;
}
