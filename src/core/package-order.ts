/**
 * Choosing among packages by name and version, the way rpm and dnf do: shell-style name globs,
 * rpm's version order (epoch, then `rpmvercmp` on version, then on release) and "the newest N of
 * each name and arch". Used by mirror filters, retention and promotion. Pure.
 */
import { rpmvercmp } from './repodata/evr.js';

export interface Evra {
  name: string;
  epoch: number;
  version: string;
  release: string;
  arch: string;
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

/** rpm's order of two versions of a package: epoch, then version, then release. */
export function compareEvr(a: Pick<Evra, 'epoch' | 'version' | 'release'>, b: typeof a): number {
  if (a.epoch !== b.epoch) return a.epoch < b.epoch ? -1 : 1;
  return rpmvercmp(a.version, b.version) || rpmvercmp(a.release, b.release);
}

/** Groups by name and arch, each group newest first (ties keep their input order). */
export function byNameArch<T extends Evra>(packages: readonly T[]): T[][] {
  const groups = new Map<string, T[]>();
  for (const p of packages) {
    const k = `${p.name}\0${p.arch}`;
    const g = groups.get(k);
    if (g) g.push(p);
    else groups.set(k, [p]);
  }
  return [...groups.values()].map((g) => g.sort((a, b) => compareEvr(b, a)));
}

/** The newest `n` of each name and arch, in input order. */
export function newestOf<T extends Evra>(packages: readonly T[], n: number): T[] {
  const chosen = new Set<T>();
  for (const g of byNameArch(packages)) g.slice(0, n).forEach((p) => chosen.add(p));
  return packages.filter((p) => chosen.has(p));
}
