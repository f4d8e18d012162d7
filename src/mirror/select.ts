/**
 * Filtered mode's package choice: include/exclude by name glob, an arch list, and the newest N
 * of each name and arch (rpm version order: epoch, then rpmvercmp on version, then release).
 * An arch list keeps `noarch` packages too: they install on every arch, as dnf's arch
 * compatibility says (`--arch x86_64` is what a dnf on x86_64 could install, noarch included).
 */
import { globToRegExp, newestOf } from '../core/package-order.js';
import type { UpstreamPackage } from './primary.js';

export interface Selection {
  include: readonly string[];
  exclude: readonly string[];
  arches: readonly string[];
  newest: number | null;
}

export { globToRegExp };

export function selectPackages(all: readonly UpstreamPackage[], sel: Selection): UpstreamPackage[] {
  const inc = sel.include.map(globToRegExp);
  const exc = sel.exclude.map(globToRegExp);
  const arches = new Set(sel.arches);
  if (arches.size > 0) arches.add('noarch');
  const kept = all.filter((p) =>
    (inc.length === 0 || inc.some((r) => r.test(p.name))) &&
    !exc.some((r) => r.test(p.name)) &&
    (arches.size === 0 || arches.has(p.arch)));
  return sel.newest === null ? kept : newestOf(kept, sel.newest);
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
