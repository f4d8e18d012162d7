/**
 * Naming one package of a repo the way people do: its sha256, a unique prefix of it (what `berth
 * push` prints), or its NEVRA (`name-[epoch:]version-release.arch`, rpm's spelling). Resolving
 * reads no more than a delete reads anyway: a NEVRA gives the package's file name and so its
 * sort key (one index segment); a prefix lists the repo's fragments under that prefix (one small
 * listing) and checks each candidate against the index the same way.
 */
import type { BlobStore } from '../storage/blob-store.js';
import { repoFragmentsPrefix, repoFragmentsWithPrefix } from '../storage/keys.js';
import { Refusal } from './errors.js';
import { keyOfLocation, nevraOf, packagePlacement, type IndexEntry } from './index-entry.js';
import { findInList, readHead } from './index-store.js';
import { fragmentLocation } from './package-fragments.js';

/** Shortest sha256 prefix accepted (`berth push` prints 12). */
export const MIN_SHA256_PREFIX = 6;
/** Candidates a prefix may match before the answer is "ambiguous" without looking further. */
const MAX_CANDIDATES = 20;

export type PackageRef =
  | { kind: 'sha256'; sha256: string }
  | { kind: 'prefix'; prefix: string }
  | { kind: 'nevra'; name: string; epoch: number | null; version: string; release: string; arch: string };

const HEX = /^[0-9a-fA-F]+$/;
/** name-[epoch:]version-release.arch: name may hold '-', version and release may not, arch holds no '.'. */
const NEVRA = /^(.+)-(?:(\d+):)?([^-:/]+)-([^-:/]+)\.([^-.:/]+)$/;

/** What the caller typed, classified; 400 when it is none of the three. */
export function parsePackageRef(text: string): PackageRef {
  if (HEX.test(text)) {
    const hex = text.toLowerCase();
    if (hex.length === 64) return { kind: 'sha256', sha256: hex };
    if (hex.length >= MIN_SHA256_PREFIX && hex.length < 64) return { kind: 'prefix', prefix: hex };
    throw new Refusal('invalid', 'invalid_sha256', `a package is named by its sha256 (64 hex digits), a prefix of at least ${MIN_SHA256_PREFIX}, or its NEVRA`);
  }
  const m = NEVRA.exec(text);
  if (!m || text.length > 1024) {
    throw new Refusal('invalid', 'invalid_package_ref', 'expected a sha256, a sha256 prefix, or a NEVRA such as name-1.0-1.x86_64 (name-epoch:version-release.arch)');
  }
  return { kind: 'nevra', name: m[1]!, epoch: m[2] === undefined ? null : Number(m[2]), version: m[3]!, release: m[4]!, arch: m[5]! };
}

export interface Candidate {
  sha256: string;
  nevra: string;
}

/** The sha256 of the one package `ref` names in the repo's current index; 404/409 otherwise. */
export async function resolvePackageRef(store: BlobStore, tenant: string, repo: string, ref: PackageRef): Promise<string> {
  if (ref.kind === 'sha256') return ref.sha256;
  const { head } = await readHead(store, tenant, repo);
  if (ref.kind === 'nevra') {
    const { location } = packagePlacement(ref);
    const entry = await findInList(store, tenant, repo, head.list, keyOfLocation(location));
    const matches = entry !== undefined && entry.name === ref.name && entry.version === ref.version && entry.release === ref.release &&
      entry.arch === ref.arch && (ref.epoch === null || entry.epoch === ref.epoch);
    if (!matches) throw new Refusal('not_found', 'package_not_found', `no package ${nevraText(ref)} in ${tenant}/${repo}`);
    return entry.sha256;
  }
  const found: IndexEntry[] = [];
  let truncated = false;
  const fragments = repoFragmentsPrefix(tenant, repo);
  let cursor: string | undefined;
  scan: do {
    const page = await store.list(repoFragmentsWithPrefix(tenant, repo, ref.prefix), { limit: MAX_CANDIDATES + 1, ...(cursor ? { cursor } : {}) });
    for (const item of page.items) {
      const sha = /^([0-9a-f]{64})\.json$/.exec(item.key.slice(fragments.length))?.[1];
      if (sha === undefined) continue;
      const location = await fragmentLocation(store, tenant, repo, sha);
      const entry = location === null ? undefined : await findInList(store, tenant, repo, head.list, keyOfLocation(location));
      if (entry?.sha256 !== sha) continue; // a fragment left by a removed package
      found.push(entry);
      if (found.length > MAX_CANDIDATES) {
        truncated = true;
        break scan;
      }
    }
    cursor = page.cursor;
  } while (cursor !== undefined);
  if (found.length === 0) throw new Refusal('not_found', 'package_not_found', `no package whose sha256 starts with ${ref.prefix} in ${tenant}/${repo}`);
  if (found.length > 1) {
    const candidates: Candidate[] = found.slice(0, MAX_CANDIDATES).map((e) => ({ sha256: e.sha256, nevra: nevraOf(e) }));
    throw new Refusal('conflict', 'ambiguous_package',
      `${truncated ? `more than ${MAX_CANDIDATES}` : found.length} packages of ${tenant}/${repo} have a sha256 starting with ${ref.prefix}: give more digits`,
      { candidates, truncated });
  }
  return found[0]!.sha256;
}

function nevraText(r: Extract<PackageRef, { kind: 'nevra' }>): string {
  return `${r.name}-${r.epoch === null ? '' : `${r.epoch}:`}${r.version}-${r.release}.${r.arch}`;
}
