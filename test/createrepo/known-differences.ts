// Intended differences between `berth createrepo` and createrepo_c 0.17.3 (Debian 12), shared by
// the differential tests and mirrored in docs/differences-from-createrepo_c.md. Each entry needs
// a reason; anything not listed here fails the tests.
import type { Difference } from '../helpers/repodiff.js';

export interface KnownDifference {
  /** Matches Difference.pkg (`name-e:v-r.arch (href)`). */
  pkg: RegExp;
  /** Matches Difference.field. */
  field: RegExp;
  /** Matches both the createrepo_c and the berth line of uncompressed XML for this difference. */
  xmlLine: RegExp;
  reason: string;
}

export const KNOWN_DIFFERENCES: readonly KnownDifference[] = [
  {
    pkg: /^rpm-basic-1:2\.3\.4-5\.el9\.noarch \(rpm-rs\/tests\/assets\/RPMS\/v6\//,
    field: /^size\.archive$/,
    xmlLine: /^ {2}<size package="\d+" installed="\d+" archive="\d+"\/>$/,
    reason:
      'RPM v6 packages carry no archive size in the signature header; berth reads PAYLOADSIZEALT (5113, ' +
      'uncompressed payload size), createrepo_c 0.17.3 on rpm 4.18 does not know that tag and writes 0',
  },
];

export function allowance(d: Difference): string | null {
  return KNOWN_DIFFERENCES.find((k) => k.pkg.test(d.pkg) && k.field.test(d.field))?.reason ?? null;
}

/** Lines of uncompressed XML that differ, minus those a known difference explains. */
export function unexplainedLineDifferences(a: Buffer, b: Buffer): string[] {
  const la = a.toString('utf8').split('\n');
  const lb = b.toString('utf8').split('\n');
  if (la.length !== lb.length) {
    const i = la.findIndex((l, n) => l !== lb[n]);
    return [`line counts differ (${la.length} vs ${lb.length}); first difference at line ${i + 1}:\n  createrepo_c: ${JSON.stringify(la[i])}\n  berth:        ${JSON.stringify(lb[i])}`];
  }
  const out: string[] = [];
  for (let i = 0; i < la.length; i++) {
    const x = la[i] ?? '';
    const y = lb[i] ?? '';
    if (x === y || KNOWN_DIFFERENCES.some((k) => k.xmlLine.test(x) && k.xmlLine.test(y))) continue;
    out.push(`line ${i + 1}:\n  createrepo_c: ${JSON.stringify(x)}\n  berth:        ${JSON.stringify(y)}`);
    if (out.length >= 5) break;
  }
  return out;
}

/**
 * createrepo_c 0.17.3 `--update` re-escapes `&` in attribute values of packages it reuses from the
 * old metadata: `name="a&amp;b"` comes back as `name="a&amp;#38;b"` (and grows on every run).
 * Berth writes the value unchanged; only this exact corruption is accepted.
 */
export function updateAllowance(d: Difference): string | null {
  const known = allowance(d);
  if (known !== null) return known;
  if (typeof d.a === 'string' && typeof d.b === 'string' && d.a.includes('&#38;') && d.a.replaceAll('&#38;', '&') === d.b) {
    return 'createrepo_c 0.17.3 --update double-escapes & in attributes of reused packages (its bug)';
  }
  return null;
}
