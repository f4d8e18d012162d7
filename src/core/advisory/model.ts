/**
 * An advisory (an erratum): what `updateinfo.xml` says about one update — its id, kind, dates,
 * references and the packages that carry the fix. Pure data: the service validates uploads
 * (JSON through its schema, XML through read.ts) into this shape and writes it back out with
 * updateinfo-xml.ts, in the form dnf (libdnf/libsolv) and tdnf read (docs/advisories.md).
 */

export const ADVISORY_TYPES = ['security', 'bugfix', 'enhancement', 'newpackage'] as const;
export type AdvisoryType = (typeof ADVISORY_TYPES)[number];

export interface AdvisoryPackage {
  name: string;
  /** "0" when the package has none. */
  epoch: string;
  version: string;
  release: string;
  arch: string;
  /** The source package (`src` attribute). */
  src?: string;
  /** `<filename>`; written as `name-version-release.arch.rpm` when not given. */
  filename?: string;
  sum?: { type: string; value: string };
  rebootSuggested?: boolean;
  restartSuggested?: boolean;
  reloginSuggested?: boolean;
}

export interface AdvisoryReference {
  href: string;
  id?: string;
  /** `cve`, `bugzilla`, `self`, `vendor`, … */
  type?: string;
  title?: string;
}

export interface Advisory {
  id: string;
  type: AdvisoryType;
  title: string;
  /** `<update status>`: `final` unless given. */
  status: string;
  /** `<update version>`: `1` unless given. */
  version: string;
  from?: string;
  /** dnf matches names (Critical, Important, Moderate, Low); tdnf compares numbers. */
  severity?: string;
  release?: string;
  rights?: string;
  pushcount?: string;
  summary?: string;
  description?: string;
  solution?: string;
  message?: string;
  /** `YYYY-MM-DD HH:MM:SS`, UTC (see normalDate). */
  issued: string;
  updated?: string;
  references: AdvisoryReference[];
  /** `<collection short>` and its `<name>`. */
  collection: { short?: string; name?: string };
  packages: AdvisoryPackage[];
}

export const nevraOfAdvisoryPackage = (p: AdvisoryPackage): string =>
  `${p.name}-${p.epoch !== '0' ? `${p.epoch}:` : ''}${p.version}-${p.release}.${p.arch}`;

/** True when the advisory's package list names exactly this package (epoch "0" and none alike). */
export function namesPackage(a: Pick<Advisory, 'packages'>, e: { name: string; epoch: number | string; version: string; release: string; arch: string }): boolean {
  return a.packages.some((p) => p.name === e.name && (Number(p.epoch) || 0) === (Number(e.epoch) || 0)
    && p.version === e.version && p.release === e.release && p.arch === e.arch);
}

export const filenameOfAdvisoryPackage = (p: AdvisoryPackage): string => p.filename ?? `${p.name}-${p.version}-${p.release}.${p.arch}.rpm`;

const pad = (n: number): string => String(n).padStart(2, '0');

/** `YYYY-MM-DD HH:MM:SS` in UTC: the form libsolv (dnf, tdnf) parses. */
export function formatDate(d: Date): string {
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
}

/**
 * A date as updateinfo writes it, from the forms advisories arrive in: `YYYY-MM-DD HH:MM:SS`,
 * `YYYY-MM-DD`, ISO 8601 with a zone (`2024-05-01T12:00:00Z`), or Unix seconds. Null when it is
 * none of them (or not a real date). libsolv reads only the first and Unix seconds; a date alone
 * would give the advisory no time at all, so it is written with `00:00:00`.
 */
export function normalDate(s: string): string | null {
  const t = s.trim();
  let d: Date;
  if (/^\d{1,12}$/.test(t)) d = new Date(Number(t) * 1000);
  else {
    const m = /^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2}):(\d{2})(\.\d+)?(Z|[+-]\d{2}:?\d{2})?)?$/.exec(t);
    if (!m) return null;
    const [, y, mo, da, h = '00', mi = '00', se = '00', , zone] = m;
    const iso = `${y}-${mo}-${da}T${h}:${mi}:${se}${zone === undefined ? 'Z' : zone.length === 5 ? `${zone.slice(0, 3)}:${zone.slice(3)}` : zone}`;
    d = new Date(iso);
    // reject roll-overs (2024-02-31): the UTC fields must be the ones given, for a UTC date
    if (zone === undefined || zone === 'Z') {
      if (Number.isNaN(d.getTime()) || d.getUTCFullYear() !== Number(y) || d.getUTCMonth() + 1 !== Number(mo) || d.getUTCDate() !== Number(da)
        || d.getUTCHours() !== Number(h) || d.getUTCMinutes() !== Number(mi) || d.getUTCSeconds() !== Number(se)) return null;
    }
  }
  if (Number.isNaN(d.getTime()) || d.getUTCFullYear() < 1970 || d.getUTCFullYear() > 9999) return null;
  return formatDate(d);
}

/** Seconds of a normalised date. */
export function dateSeconds(s: string): number {
  return Math.floor(new Date(`${s.replace(' ', 'T')}Z`).getTime() / 1000);
}

/** The advisory's fields in one fixed order, without `updated`: what "the same advisory" compares. */
export function advisoryIdentity(a: Advisory): string {
  const { updated: _updated, ...rest } = a;
  return JSON.stringify(canonical(rest));
}

function canonical(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(canonical);
  if (v !== null && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v).sort()) {
      const x = (v as Record<string, unknown>)[k];
      if (x !== undefined) out[k] = canonical(x);
    }
    return out;
  }
  return v;
}
