/**
 * Version-string handling for dependency entries, as createrepo_c 0.17.3 does it
 * (`cr_str_to_evr`, `cr_flag_to_str`) plus rpm's `rpmvercmp` for the libc.so.6 rule.
 */

export type FlagName = 'LT' | 'GT' | 'EQ' | 'LE' | 'GE';

/** `flags & 0xF` → the primary.xml name; 0 and odd combinations (e.g. LT|GT) have none. */
export function flagName(flags: number): FlagName | null {
  switch (flags & 0xf) {
    case 2:
      return 'LT';
    case 4:
      return 'GT';
    case 8:
      return 'EQ';
    case 10:
      return 'LE';
    case 12:
      return 'GE';
    default:
      return null;
  }
}

export interface Evr {
  epoch: string;
  /** May be "" (e.g. `1:`); the `ver` attribute is then omitted. */
  ver: string;
  /** "" when there is no `-`, or nothing after it; the `rel` attribute is then omitted. */
  rel: string;
}

/**
 * C `strtol(s, &end, 10)` consumed the whole epoch text: optional leading white space, an
 * optional sign, at least one digit and nothing else. An empty epoch (`:1.0`) also counts: strtol
 * then stops at the start, which is where the `:` is.
 */
const NUMERIC_EPOCH = /^(?:[\t\n\v\f\r ]*[+-]?[0-9]+)?$/;

/**
 * Split `[E:]V[-R]`. Returns null for "" (no EVR attributes at all) and `'bad-epoch'` when the
 * text before the first `:` is not a number — createrepo_c drops such a dependency. The epoch
 * text is kept verbatim (`+1` stays `+1`), as createrepo_c copies the bytes, not the number.
 */
export function parseEvr(version: string): Evr | 'bad-epoch' | null {
  if (version === '') return null;
  const evr: Evr = { epoch: '0', ver: '', rel: '' };
  return splitEvr(version, evr) ? evr : 'bad-epoch';
}

/**
 * `parseEvr` into `out` (no object per call): false for a bad epoch (then `out` is unchanged);
 * for "" it sets all three to "" (no EVR attributes).
 */
export function splitEvr(version: string, out: Evr): boolean {
  if (version === '') {
    out.epoch = '';
    out.ver = '';
    out.rel = '';
    return true;
  }
  let epoch = '0';
  let rest = version;
  const colon = version.indexOf(':');
  if (colon >= 0) {
    const e = version.slice(0, colon);
    if (!NUMERIC_EPOCH.test(e)) return false;
    if (e !== '') epoch = e;
    rest = version.slice(colon + 1);
  }
  const dash = rest.indexOf('-');
  out.epoch = epoch;
  if (dash < 0) {
    out.ver = rest;
    out.rel = '';
  } else {
    out.ver = rest.slice(0, dash);
    out.rel = rest.slice(dash + 1);
  }
  return true;
}

const isDigit = (c: string): boolean => c >= '0' && c <= '9';
const isAlpha = (c: string): boolean => (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
const isAlnum = (c: string): boolean => isDigit(c) || isAlpha(c);

/**
 * rpm's version segment comparison (rpm 4.18 `rpmvercmp`, with `~` sorting before anything
 * and `^` after the end but before any other segment). Returns -1, 0 or 1.
 */
export function rpmvercmp(a: string, b: string): -1 | 0 | 1 {
  if (a === b) return 0;
  let i = 0;
  let j = 0;
  const at = (s: string, k: number): string => (k < s.length ? s.charAt(k) : '');
  while (i < a.length || j < b.length) {
    while (i < a.length && !isAlnum(at(a, i)) && at(a, i) !== '~' && at(a, i) !== '^') i++;
    while (j < b.length && !isAlnum(at(b, j)) && at(b, j) !== '~' && at(b, j) !== '^') j++;
    const ca = at(a, i);
    const cb = at(b, j);
    if (ca === '~' || cb === '~') {
      if (ca !== '~') return 1;
      if (cb !== '~') return -1;
      i++;
      j++;
      continue;
    }
    if (ca === '^' || cb === '^') {
      if (ca === '') return -1;
      if (cb === '') return 1;
      if (ca !== '^') return 1;
      if (cb !== '^') return -1;
      i++;
      j++;
      continue;
    }
    if (ca === '' || cb === '') break;
    const numeric = isDigit(ca);
    const test = numeric ? isDigit : isAlpha;
    let ei = i;
    let ej = j;
    while (ei < a.length && test(at(a, ei))) ei++;
    while (ej < b.length && test(at(b, ej))) ej++;
    // a segment of the other kind on b's side: numeric beats alpha
    if (ej === j) return numeric ? 1 : -1;
    let sa = a.slice(i, ei);
    let sb = b.slice(j, ej);
    if (numeric) {
      sa = sa.replace(/^0+/, '');
      sb = sb.replace(/^0+/, '');
      if (sa.length !== sb.length) return sa.length > sb.length ? 1 : -1;
    }
    if (sa !== sb) return sa < sb ? -1 : 1;
    i = ei;
    j = ej;
  }
  if (i >= a.length && j >= b.length) return 0;
  return i >= a.length ? -1 : 1;
}
