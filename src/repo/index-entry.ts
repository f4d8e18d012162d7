/**
 * One package of a repo's index: what the service knows of it without reading the package
 * (identity, placement, size, time it entered the repo, signer). Pure data and naming rules.
 */
import type { RpmPackage } from '../core/model.js';

export interface IndexSigner {
  /** Upper-case hex, as trusted keys are stored and shown everywhere else. */
  fingerprint: string;
  /** Upper-case hex. */
  keyId: string;
  algorithm: string;
}

/** The signer as the index keeps and the API shows it: hex identifiers upper-case. */
export function indexSigner(signer: { fingerprint: string; keyId: string; algorithm: string } | null | undefined): IndexSigner | null {
  if (!signer) return null;
  return { fingerprint: signer.fingerprint.toUpperCase(), keyId: signer.keyId.toUpperCase(), algorithm: signer.algorithm };
}

export interface IndexEntry {
  sha256: string;
  name: string;
  /** 0 when the package has no EPOCH tag (rpm compares them as equal). */
  epoch: number;
  version: string;
  release: string;
  arch: string;
  filename: string;
  location: string;
  size: number;
  /** Seconds; `<time file>` in primary.xml, stable across regenerations. */
  addedAt: number;
  signer: IndexSigner | null;
}

const UNSAFE = /[^A-Za-z0-9._+~^-]/g;

/** `<name>-<version>-<release>.<arch>.rpm` sanitised, and `Packages/<first letter>/<filename>`. */
export function packagePlacement(pkg: Pick<RpmPackage, 'name' | 'version' | 'release' | 'arch'>): { filename: string; location: string } {
  const filename = `${pkg.name}-${pkg.version}-${pkg.release}.${pkg.arch}.rpm`.replace(UNSAFE, '_');
  const first = (filename[0] ?? '_').toLowerCase();
  return { filename, location: `Packages/${first}/${filename}` };
}

/**
 * Why a package name cannot be placed in a repo, or null. A name starting with `.` would make a
 * hidden file under a `.` directory (`Packages/./.x-1-1.noarch.rpm`): URL normalisation drops
 * the `./` segment, so it could never be served, and `berth sync` copies would hide it. rpmbuild
 * (4.18) refuses such names ("Illegal char '.'"), so only a hand-made header carries one.
 */
export function unplaceableName(name: string): string | null {
  return name.startsWith('.') ? `package name ${JSON.stringify(name)} starts with '.', which rpmbuild refuses and no repository path can hold` : null;
}

/** `name-[epoch:]version-release.arch`, rpm's spelling (epoch only when not 0). */
export function nevraOf(e: Pick<IndexEntry, 'name' | 'epoch' | 'version' | 'release' | 'arch'>): string {
  return `${e.name}-${e.epoch ? `${e.epoch}:` : ''}${e.version}-${e.release}.${e.arch}`;
}


/** Where an entry sorts in a repo: createrepo_c's order, file name then location. */
export interface EntryKey {
  filename: string;
  location: string;
}

/** createrepo_c order (plain code-unit comparison): file name, then location. */
export function compareKeys(a: EntryKey, b: EntryKey): number {
  if (a.filename !== b.filename) return a.filename < b.filename ? -1 : 1;
  return a.location < b.location ? -1 : a.location > b.location ? 1 : 0;
}

/** The entry at `key` in entries sorted by `compareKeys` (a segment), by binary search. */
export function findEntry<E extends EntryKey>(sorted: readonly E[], key: EntryKey): E | undefined {
  let lo = 0;
  let hi = sorted.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const c = compareKeys(sorted[mid] as E, key);
    if (c === 0) return sorted[mid];
    if (c < 0) lo = mid + 1;
    else hi = mid - 1;
  }
  return undefined;
}

/** The key of a location: its last path element is the file name (Berth's and a mirror's hrefs alike). */
export function keyOfLocation(location: string): EntryKey {
  return { filename: location.slice(location.lastIndexOf('/') + 1), location };
}

/** The entry with its fields in one fixed order (content-named segments need stable bytes). */
export function canonicalEntry(e: IndexEntry): IndexEntry {
  return {
    sha256: e.sha256, name: e.name, epoch: e.epoch, version: e.version, release: e.release, arch: e.arch,
    filename: e.filename, location: e.location, size: e.size, addedAt: e.addedAt,
    signer: e.signer ? { fingerprint: e.signer.fingerprint, keyId: e.signer.keyId, algorithm: e.signer.algorithm } : null,
  };
}

/** Loose shape check of a stored entry (segments are ours, but a foreign file must not crash a lookup). */
export function isIndexEntry(v: unknown): v is IndexEntry {
  const e = v as Partial<IndexEntry> | null;
  return !!e && typeof e.sha256 === 'string' && typeof e.name === 'string' && typeof e.filename === 'string' &&
    typeof e.location === 'string' && typeof e.addedAt === 'number' && typeof e.size === 'number';
}

export function sameNevra(a: Pick<IndexEntry, 'name' | 'epoch' | 'version' | 'release' | 'arch'>, b: typeof a): boolean {
  return a.name === b.name && a.epoch === b.epoch && a.version === b.version && a.release === b.release && a.arch === b.arch;
}

/** What adding a package to an index came to. */
export type AddOutcome =
  | { kind: 'added'; entry: IndexEntry }
  | { kind: 'exists'; entry: IndexEntry }
  | { kind: 'nevra_conflict'; existing: IndexEntry }
  | { kind: 'location_conflict'; existing: IndexEntry };
