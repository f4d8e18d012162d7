/**
 * What a promotion takes from its source repo (docs/service.md, Promotion): the index entries a
 * selection names — exact NEVRAs, name globs, full sha256s — and, for a dependency closure, what
 * every package of the source provides and requires (read from the source's served primary.xml,
 * streamed).
 */
import { globToRegExp } from '../core/package-order.js';
import type { Platform } from '../core/platform.js';
import { flagName, parseEvr } from '../core/repodata/evr.js';
import { metadataText } from '../core/repodata/read/metadata-text.js';
import { packageDependencies, type DepRef, type PackageDeps } from '../core/repodata/read/package-deps.js';
import type { Dependency, RpmPackage } from '../core/model.js';
import type { BlobStore } from '../storage/blob-store.js';
import { repodataKey } from '../storage/keys.js';
import { Refusal } from './errors.js';
import { currentGeneration } from './generations.js';
import { nevraOf, type IndexEntry } from './index-entry.js';
import { entriesWithPrefix, namePrefix, versionsOf } from './index-range.js';
import { listEntries, lookupEntry } from './index-store.js';
import { packageKey } from './package-fragments.js';

export interface Selection {
  /** Exact NEVRAs (`name-[epoch:]version-release.arch`). */
  nevra: readonly string[];
  /** Shell-style name globs (`foo`, `foo-*`, `lib?x`). */
  names: readonly string[];
  /** Full sha256 of package files. */
  sha256: readonly string[];
}

/** Most packages one promotion takes (selected plus dependencies). */
export const PROMOTE_MAX = 2000;

const GLOB = /[*?[]/;
const SHA256 = /^[0-9a-f]{64}$/;
/** Most decompressed bytes of the source's primary.xml read for a closure. */
const MAX_PRIMARY_BYTES = 2 * 1024 * 1024 * 1024;

const nothing = (what: string, tenant: string, repo: string): Refusal =>
  new Refusal('not_found', 'package_not_found', `no package matching ${what} in ${tenant}/${repo}`, { selector: what });

/** NEVRA without an epoch of 0, the way the index prints it; also accepts an explicit `0:`. */
const sameNevra = (e: IndexEntry, nevra: string): boolean => nevraOf(e) === nevra || nevraOf(e) === nevra.replace(/-0:/, '-');

/** The entries each selector names; every selector must match something (404 `package_not_found`). */
export async function selectEntries(store: BlobStore, platform: Platform, tenant: string, repo: string, list: string | null, sel: Selection): Promise<IndexEntry[]> {
  const out = new Map<string, IndexEntry>();
  const keep = (e: IndexEntry): void => {
    out.set(e.sha256, e);
    if (out.size > PROMOTE_MAX) throw new Refusal('invalid', 'too_many_packages', `a promotion takes at most ${PROMOTE_MAX} packages: select fewer`);
  };
  for (const sha of sel.sha256) {
    if (!SHA256.test(sha)) throw new Refusal('invalid', 'invalid_request', `sha256 must be 64 lowercase hex digits: ${JSON.stringify(sha.slice(0, 80))}`);
    const key = await packageKey(store, platform, tenant, repo, sha);
    const found = key ? (await lookupEntry(store, tenant, repo, key)).entry : undefined;
    if (found?.sha256 !== sha) throw nothing(sha, tenant, repo);
    keep(found);
  }
  for (const nevra of sel.nevra) {
    // the file name starts with name-version-release.arch (no epoch): one run of segments
    const prefix = `${namePrefix(nevra.replace(/-\d+:/, '-')).slice(0, -1)}.rpm`;
    let hit = false;
    for await (const e of entriesWithPrefix(store, tenant, repo, list, prefix)) {
      if (sameNevra(e, nevra)) {
        keep(e);
        hit = true;
      }
    }
    if (!hit) throw nothing(nevra, tenant, repo);
  }
  for (const glob of sel.names) {
    let hit = false;
    if (!GLOB.test(glob)) {
      for (const e of await versionsOf(store, tenant, repo, list, glob)) {
        keep(e);
        hit = true;
      }
    } else {
      const re = globToRegExp(glob);
      const literal = glob.slice(0, glob.search(GLOB));
      // a literal head narrows the run of segments read; a glob starting with a wildcard reads the index
      const entries = literal === '' ? listEntries(store, tenant, repo, list) : entriesWithPrefix(store, tenant, repo, list, namePrefix(literal).slice(0, -1));
      for await (const e of entries) {
        if (re.test(e.name)) {
          keep(e);
          hit = true;
        }
      }
    }
    if (!hit) throw nothing(glob, tenant, repo);
  }
  return [...out.values()];
}

/** What every package of the repo's served metadata provides and requires (a complete mirror: upstream's). */
export async function dependencyPool(store: BlobStore, platform: Platform, tenant: string, repo: string): Promise<PackageDeps[]> {
  const gen = await currentGeneration(store, tenant, repo);
  const primary = gen?.record.files.find((f) => /(?:^|-)primary\.xml(?:\.(?:gz|zst))?$/.test(f));
  if (!primary) return [];
  const obj = await store.get(repodataKey(tenant, repo, primary));
  if (!obj) return [];
  const out: PackageDeps[] = [];
  for await (const p of packageDependencies(metadataText(obj.body, primary, platform, { maxBytes: MAX_PRIMARY_BYTES }))) out.push(p);
  return out;
}

function depOf(d: Dependency): DepRef | null {
  const evr = parseEvr(d.version);
  if (evr === 'bad-epoch') return null;
  const flags = evr === null ? null : flagName(d.flags);
  const epoch = Number(evr?.epoch ?? '0');
  return { name: d.name, flags, epoch: Number.isSafeInteger(epoch) && epoch >= 0 ? epoch : 0, ver: evr?.ver ?? '', rel: evr?.rel ?? '' };
}

/** A package's provides and requires from its own header (when the served metadata does not list it yet). */
export function depsOfRpm(pkg: RpmPackage, sha256: string): PackageDeps {
  const list = (ds: readonly Dependency[]): DepRef[] => ds.flatMap((d) => depOf(d) ?? []);
  return {
    checksum: sha256, name: pkg.name, arch: pkg.arch, epoch: pkg.epoch ?? 0, version: pkg.version, release: pkg.release,
    provides: list(pkg.provides), requires: list(pkg.requires), files: pkg.files.map((f) => f.path),
  };
}
