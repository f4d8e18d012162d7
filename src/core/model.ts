/**
 * The package model shared by the RPM reader, the signature verifier and the repodata writer.
 * Plain data only: everything here is serialisable (JSON) so it can be cached per package.
 */

/** A dependency exactly as the header holds it (name, flags bitmask, `[E:]V[-R]` or ""). */
export interface Dependency {
  name: string;
  flags: number;
  version: string;
}

export type FileType = 'file' | 'dir' | 'ghost';

export interface PackageFile {
  /** Full path: DIRNAMES[DIRINDEXES[i]] + BASENAMES[i] (or OLDFILENAMES[i]). */
  path: string;
  type: FileType;
}

export interface ChangelogEntry {
  author: string;
  /** Seconds since the epoch (unsigned 32-bit in the header). */
  time: number;
  text: string;
}

/**
 * Everything repodata needs from the main header. Strings are already decoded: valid UTF-8
 * as is; invalid UTF-8 re-encoded the way createrepo_c does (formats.md §3.9). Control
 * characters are kept; the writer refuses such packages.
 */
export interface RpmPackage {
  name: string;
  /** EPOCH tag value, or null when the tag is absent (written as "0"). */
  epoch: number | null;
  version: string;
  release: string;
  /** "src" for source packages, else the ARCH tag. */
  arch: string;
  isSource: boolean;
  summary: string;
  description: string;
  packager: string;
  url: string;
  license: string;
  vendor: string;
  group: string;
  buildHost: string;
  /** SOURCERPM; "" for source packages. */
  sourceRpm: string;
  buildTime: number;
  /** LONGSIZE, else SIZE. */
  installedSize: number;
  /** Signature LONGARCHIVESIZE, else PAYLOADSIZE, else main ARCHIVESIZE / PAYLOADSIZEALT. */
  archiveSize: number;
  /** File offsets of the main header: [start, end) — `<rpm:header-range>`. */
  headerStart: number;
  headerEnd: number;
  /** PAYLOADFORMAT (`cpio`, or `drpm` for delta RPMs). */
  payloadFormat: string;
  provides: Dependency[];
  requires: Dependency[];
  conflicts: Dependency[];
  obsoletes: Dependency[];
  recommends: Dependency[];
  suggests: Dependency[];
  supplements: Dependency[];
  enhances: Dependency[];
  /** Legacy SUSE weak deps (tags 1156-1161), flags kept raw (bit 1<<27 = strong). */
  oldSuggests: Dependency[];
  oldEnhances: Dependency[];
  files: PackageFile[];
  /** Header order (normally newest first), unlimited; the writer applies the changelog limit. */
  changelog: ChangelogEntry[];
}

/** A package file in a repository: the header model plus facts about the file itself. */
export interface PackageRecord {
  pkg: RpmPackage;
  /** Lowercase hex SHA-256 of the whole file (primary `pkgid`). */
  sha256: string;
  /** File size in bytes. */
  size: number;
  /** `<time file>`: mtime for createrepo, time the package entered the repo for the service. */
  time: number;
  /** `location href`, relative to the repository root. */
  location: string;
}
