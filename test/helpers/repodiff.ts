// Field-by-field comparison of two parsed repositories with a readable report.
import type { NormPackage, ParsedRepo } from './repodata.js';

export interface Difference {
  /** `name-epoch:ver-rel.arch (location)` of the package, or `<repo>` for repository-level items. */
  pkg: string;
  /** Dotted path inside NormPackage, e.g. `requires[2].pre` or `other.changelogs.length`. */
  field: string;
  a: unknown;
  b: unknown;
}

/** A difference that is known and intended: return its reason to accept it. */
export type Allowance = (d: Difference) => string | null;

export function label(p: NormPackage): string {
  const v = p.version;
  return `${p.name}-${v['epoch'] ?? '?'}:${v['ver'] ?? '?'}-${v['rel'] ?? '?'}.${p.arch} (${p.location['href'] ?? '?'})`;
}

function show(v: unknown): string {
  const s = JSON.stringify(v);
  return s === undefined ? 'undefined' : s.length > 400 ? `${s.slice(0, 400)}…` : s;
}

function walk(a: unknown, b: unknown, path: string, out: Array<Omit<Difference, 'pkg'>>): void {
  if (Object.is(a, b)) return;
  if (Array.isArray(a) && Array.isArray(b)) {
    if (a.length !== b.length) out.push({ field: `${path}.length`, a: a.length, b: b.length });
    const n = Math.min(a.length, b.length);
    for (let i = 0; i < n; i++) walk(a[i], b[i], `${path}[${i}]`, out);
    // Show what is extra so a missing dependency is named, not just counted.
    if (a.length !== b.length) out.push({ field: `${path}[${n}…]`, a: a.slice(n), b: b.slice(n) });
    return;
  }
  const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
  if (isObj(a) && isObj(b)) {
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
    for (const k of keys) walk(a[k], b[k], path === '' ? k : `${path}.${k}`, out);
    return;
  }
  out.push({ field: path, a, b });
}

export function diffPackages(a: NormPackage, b: NormPackage): Difference[] {
  const out: Array<Omit<Difference, 'pkg'>> = [];
  walk(a, b, '', out);
  return out.map((d) => ({ pkg: label(a), ...d }));
}

/** Every difference between two repositories: package set, package fields, repomd revision and counts. */
export function diffRepos(a: ParsedRepo, b: ParsedRepo): Difference[] {
  const out: Difference[] = [];
  const keys = [...new Set([...a.packages.keys(), ...b.packages.keys()])].sort();
  for (const k of keys) {
    const pa = a.packages.get(k);
    const pb = b.packages.get(k);
    if (pa === undefined || pb === undefined) {
      out.push({ pkg: label((pa ?? pb) as NormPackage), field: '<presence>', a: pa !== undefined, b: pb !== undefined });
      continue;
    }
    out.push(...diffPackages(pa, pb));
  }
  if (a.repomd.revision !== b.repomd.revision) out.push({ pkg: '<repo>', field: 'repomd.revision', a: a.repomd.revision, b: b.repomd.revision });
  walk(a.order, b.order, 'primary order', out as Array<Omit<Difference, 'pkg'>>);
  const types = (r: ParsedRepo): string[] => r.repomd.records.map((x) => x.type).sort();
  walk(types(a), types(b), 'repomd.types', out as Array<Omit<Difference, 'pkg'>>);
  for (const d of out) (d as Difference).pkg ??= '<repo>';
  return out;
}

export function formatDifferences(diffs: readonly Difference[], names = ['a', 'b']): string {
  return diffs.map((d) => `${d.pkg}: ${d.field}: ${names[0]}=${show(d.a)} ${names[1]}=${show(d.b)}`).join('\n');
}

/** Splits differences into accepted (with reason) and unexpected. */
export function classify(diffs: readonly Difference[], allow: Allowance): { accepted: Array<Difference & { reason: string }>; unexpected: Difference[] } {
  const accepted: Array<Difference & { reason: string }> = [];
  const unexpected: Difference[] = [];
  for (const d of diffs) {
    const reason = allow(d);
    if (reason === null) unexpected.push(d);
    else accepted.push({ ...d, reason });
  }
  return { accepted, unexpected };
}
