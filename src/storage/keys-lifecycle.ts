/** Storage keys of mirroring, retention, snapshots, metadata key rotation, advisories and repo files (layout: keys.ts). */
import { InvalidNameError, tenantName, repoName, fingerprintName, repoPrefix } from './key-rules.js';
import { repodataKey, repodataPrefix } from './keys-repodata.js';

// --- Mirroring upstream repositories (docs/mirror.md) ---

/** A repo's mirror configuration `{from, metalink, key, mode, include, exclude, arches, newest, …}`. */
export function mirrorConfigKey(tenant: string, repo: string): string {
  return `${repoPrefix(tenant, repo)}mirror.json`;
}

/** What the last mirror runs saw and did (upstream repomd sha256, managed packages, last result). */
export function mirrorStateKey(tenant: string, repo: string): string {
  return `${repoPrefix(tenant, repo)}mirror-state.json`;
}

export const MIRRORS_PREFIX = 'mirrors/';

/** One small marker per mirrored repo, so the scheduler lists mirrors without walking tenants. */
export function mirrorRegistryKey(tenant: string, repo: string): string {
  return `${MIRRORS_PREFIX}${tenantName(tenant)}/${repoName(repo)}.json`;
}

// --- Repository lifecycle: retention, snapshots, metadata key rotation (docs/service.md) ---

/** A repo's retention policy `{keepNewest, maxAgeSeconds, updatedAt}`. */
export function retentionPolicyKey(tenant: string, repo: string): string {
  return `${repoPrefix(tenant, repo)}retention.json`;
}

const SNAPSHOT_NAME = /^[a-z0-9](?:[a-z0-9._-]{0,62})$/;

/** Snapshot names: 1-63 chars of [a-z0-9._-], starting with a letter or digit, no "..". */
export function isValidSnapshotName(name: string): boolean {
  return typeof name === 'string' && SNAPSHOT_NAME.test(name) && !name.includes('..');
}

function snapshotName(name: string): string {
  if (!isValidSnapshotName(name)) throw new InvalidNameError('snapshot', name, '1-63 chars of [a-z0-9._-], starting with a letter or digit, no ".."');
  return name;
}

/** Snapshot records of a repo (a small prefix: one blob per snapshot). */
export function snapshotsPrefix(tenant: string, repo: string): string {
  return `${repoPrefix(tenant, repo)}snapshots/`;
}

export function snapshotKey(tenant: string, repo: string, name: string): string {
  return `${snapshotsPrefix(tenant, repo)}${snapshotName(name)}.json`;
}

/** A snapshot's own copy of a repodata file whose name is not its checksum (it could change in repodata/). */
export function snapshotFileKey(tenant: string, repo: string, name: string, file: string): string {
  return `${snapshotFilesPrefix(tenant, repo, name)}${repodataKey(tenant, repo, file).slice(repodataPrefix(tenant, repo).length)}`;
}

export function snapshotFilesPrefix(tenant: string, repo: string, name: string): string {
  return `${repoPrefix(tenant, repo)}snapshot-files/${snapshotName(name)}/`;
}

/** The repo's metadata key set, once it has more than its first key (`{signing, keys[]}`). */
export function metadataKeySetKey(tenant: string, repo: string): string {
  return `${repoPrefix(tenant, repo)}metadata-keys.json`;
}

/** An armored secret metadata key added by rotation (the first one stays at metadata-key.asc). */
export function rotatedMetadataKeyKey(tenant: string, repo: string, fpr: string): string {
  return `${repoPrefix(tenant, repo)}metadata-keys/${fingerprintName(fpr)}.asc`;
}

// --- Advisories, groups and modules (docs/advisories.md) ---

/** The repo's advisories `{serial, advisories[]}`, changed by compare-and-swap. */
export function advisoriesKey(tenant: string, repo: string): string {
  return `${repoPrefix(tenant, repo)}advisories.json`;
}

/** The metadata files besides primary/filelists/other that regeneration lists in repomd.xml. */
export function repoFilesKey(tenant: string, repo: string): string {
  return `${repoPrefix(tenant, repo)}repo-files.json`;
}
