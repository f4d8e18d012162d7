/**
 * One package of a repo's index: what the service knows of it without reading the package
 * (identity, placement, size, time it entered the repo, signer). Pure data and naming rules.
 */
import type { RpmPackage } from '../core/model.js';

export interface IndexSigner {
  fingerprint: string;
  keyId: string;
  algorithm: string;
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

