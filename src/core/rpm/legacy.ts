/**
 * The retrofits rpm (4.18, what createrepo_c 0.17 links against) applies to a main header when
 * it loads a package (lib/package.c applyRetrofits, lib/headerutil.c legacyRetrofit), so the
 * metadata says what rpm and dnf see:
 *
 * - A header with neither SOURCERPM nor SOURCEPACKAGE is typed by rpm's heuristic: a source
 *   package has exactly one directory, the empty one (its files are bare names). A source one
 *   gets SOURCEPACKAGE = 1; a binary one gets SOURCERPM "(none)".
 * - A legacy header (no immutable region, tag 63: built by rpm < 4.0, "RPM v3") of a binary
 *   package gets the self-provide `name = [epoch:]version-release` appended, as packages built
 *   by rpm ≤ 3.0.4 provided themselves only implicitly. rpm 4.18 appends it even when the header
 *   already lists the same provide (its duplicate check never matches), and createrepo_c lists
 *   both. If the header names provides without versions (rpm < 3.0.3), each gets version "" and
 *   flags 0 (ANY) appended first; the flags array is extended, not replaced, and entries are
 *   read by position, so the self-provide takes whichever flags value lands at its index.
 *   Newer rpm (6.x) dropped this retrofit; dnf on current distributions links rpm 4.x.
 */
import type { Dependency } from '../model.js';
import type { Header } from './header.js';
import { REGION, TAG } from './tags.js';

const RPMSENSE_EQUAL = 8;

/** True when rpm would treat the header as a legacy (v3) one: no immutable region. */
export function isLegacyHeader(h: Header): boolean {
  return h.regionTag !== REGION.IMMUTABLE;
}

/** rpm's headerIsSourceHeuristic on the (compressed) file list: one directory, and it is "". */
function looksLikeSource(h: Header): boolean {
  const dirnames = h.stringArray(TAG.DIRNAMES);
  if (dirnames !== null) return dirnames.length === 1 && dirnames[0] === '';
  // OLDFILENAMES are compressed into dirnames first; a first name without '/' puts every file
  // in the "" directory
  const first = h.stringArray(TAG.OLDFILENAMES)?.[0];
  return first !== undefined && !first.startsWith('/');
}

export interface SourceFacts {
  /** `arch` is "src" (createrepo_c: SOURCEPACKAGE is set and not 0). */
  isSource: boolean;
  /** `<rpm:sourcerpm>`: SOURCERPM, "(none)" when rpm retrofits it, else "". */
  sourceRpm: string;
  /** rpm's headerIsSource (no SOURCERPM), which decides the legacy self-provide. */
  rpmSeesSource: boolean;
}

export function sourceFacts(h: Header): SourceFacts {
  const sourceRpm = h.string(TAG.SOURCERPM);
  const sourcePackage = h.number(TAG.SOURCEPACKAGE);
  if (sourceRpm === null && sourcePackage === null) {
    const source = looksLikeSource(h);
    return { isSource: source, sourceRpm: source ? '' : '(none)', rpmSeesSource: source };
  }
  return { isSource: sourcePackage !== null && sourcePackage !== 0, sourceRpm: sourceRpm ?? '', rpmSeesSource: sourceRpm === null };
}

/** `[epoch:]version-release`, the epoch written whenever the tag is there (rpm's RPMTAG_EVR). */
function evrOf(h: Header, version: string, release: string): string {
  const epoch = h.number(TAG.EPOCH);
  return `${epoch === null ? '' : `${epoch}:`}${version}-${release}`;
}

/**
 * The provides rpm sees for this header: `read` (the header's own list) with the legacy
 * retrofit applied when it applies.
 */
export function retrofitProvides(h: Header, read: Dependency[], pkg: { name: string; version: string; release: string }, source: SourceFacts): Dependency[] {
  if (!isLegacyHeader(h) || source.rpmSeesSource) return read;
  const self: Dependency = { name: pkg.name, flags: RPMSENSE_EQUAL, version: evrOf(h, pkg.version, pkg.release) };
  if (read.length === 0 || h.has(TAG.PROVIDEVERSION)) return [...read, self];
  // rpm < 3.0.3: unversioned provides; the flags array grows by one 0 per name, then EQUAL
  const flags = [...(h.numberArray(TAG.PROVIDEFLAGS) ?? []), ...read.map(() => 0), RPMSENSE_EQUAL];
  return [...read.map((d) => ({ ...d, version: '' })), { ...self, flags: flags[read.length] ?? RPMSENSE_EQUAL }];
}
