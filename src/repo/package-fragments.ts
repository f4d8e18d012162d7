/**
 * A published package as the repo sees it: where it lives in the repo (location), its index
 * entry, and its stored fragments `t/<t>/r/<r>/fragments/<sha256>.json`. The fragment file
 * repeats the `addedAt` and `location` it was built with, so regeneration can tell a fragment
 * that belongs to the index entry from a stale one and rebuild it from the package blob.
 */
import type { PackageRecord } from '../core/model.js';
import type { Platform } from '../core/platform.js';
import { fragments, isExcluded, type ExcludedPackage } from '../core/repodata/fragments.js';
import { readRpm } from '../core/rpm/index.js';
import type { RpmReadResult } from '../core/rpm/index.js';
import { BerthError } from '../core/errors.js';
import type { BlobStore } from '../storage/blob-store.js';
import { packageBlobKey, repoFragmentKey } from '../storage/keys.js';
import { keyOfLocation, packagePlacement, type EntryKey, type IndexEntry } from './index-entry.js';

export interface FragmentFile {
  sha256: string;
  location: string;
  addedAt: number;
  primary: string;
  filelists: string;
  other: string;
}

export function packageRecord(result: RpmReadResult, addedAt: number, location: string): PackageRecord {
  return { pkg: result.pkg, sha256: result.computed.fileSha256, size: result.computed.fileSize, time: addedAt, location };
}

/** The fragment file for a record, or why it cannot be represented in XML. */
export function fragmentFile(rec: PackageRecord): FragmentFile | ExcludedPackage {
  const f = fragments(rec);
  if (isExcluded(f)) return f;
  return { sha256: rec.sha256, location: rec.location, addedAt: rec.time, primary: f.primary, filelists: f.filelists, other: f.other };
}

/**
 * The fragment file, with the package's location in the blob's metadata too: a delete (and GC)
 * learns where the package sorts from a `head`, without reading the fragments.
 */
export async function writeFragmentFile(store: BlobStore, tenant: string, repo: string, file: FragmentFile): Promise<void> {
  const location = encodeURIComponent(file.location);
  await store.put(repoFragmentKey(tenant, repo, file.sha256), new TextEncoder().encode(JSON.stringify(file)), {
    contentType: 'application/json',
    ...(location.length <= 3000 ? { metadata: { location } } : {}),
  });
}

/** The location a fragment was built for, from its metadata (or its body, for files written before). */
export async function fragmentLocation(store: BlobStore, tenant: string, repo: string, sha256: string): Promise<string | null> {
  const info = await store.head(repoFragmentKey(tenant, repo, sha256));
  if (!info) return null;
  const meta = info.metadata['location'];
  if (meta !== undefined) {
    try {
      return decodeURIComponent(meta);
    } catch {
      // not ours: read the body below
    }
  }
  return (await readFragmentFile(store, tenant, repo, sha256).catch(() => null))?.location ?? null;
}

/**
 * Where the package with this sha256 sorts in the repo: from its fragment, else from its blob's
 * header (its placement). Null when neither exists — then it is in no index of the tenant.
 */
export async function packageKey(store: BlobStore, platform: Platform, tenant: string, repo: string, sha256: string): Promise<EntryKey | null> {
  const location = await fragmentLocation(store, tenant, repo, sha256);
  if (location !== null) return keyOfLocation(location);
  const blob = await store.get(packageBlobKey(tenant, sha256));
  if (!blob) return null;
  try {
    return packagePlacement((await readRpm(blob.body, platform)).pkg);
  } catch {
    return null;
  }
}

/** The stored fragment file, or null when absent. */
export async function readFragmentFile(store: BlobStore, tenant: string, repo: string, sha256: string): Promise<FragmentFile | null> {
  const obj = await store.get(repoFragmentKey(tenant, repo, sha256));
  if (!obj) return null;
  return JSON.parse(await new Response(obj.body).text()) as FragmentFile;
}

export class MissingPackageBlobError extends BerthError {
  override name = 'MissingPackageBlobError';
  static readonly CODE = 'missing_package_blob';
  constructor(tenant: string, sha256: string) {
    super(MissingPackageBlobError.CODE, `package blob ${sha256} of tenant ${tenant} is missing`);
  }
}

/**
 * Fragments for an index entry: the stored file when it matches the entry, else rebuilt from
 * the package blob (stream) and stored again. Rebuilding covers a publisher that wrote its
 * fragment with its own addedAt and then lost the index race to identical bytes.
 */
export async function fragmentsFor(store: BlobStore, platform: Platform, tenant: string, repo: string, entry: IndexEntry): Promise<FragmentFile> {
  const stored = await readFragmentFile(store, tenant, repo, entry.sha256);
  if (stored && stored.addedAt === entry.addedAt && stored.location === entry.location) return stored;
  const blob = await store.get(packageBlobKey(tenant, entry.sha256));
  if (!blob) throw new MissingPackageBlobError(tenant, entry.sha256);
  const result = await readRpm(blob.body, platform);
  const file = fragmentFile(packageRecord(result, entry.addedAt, entry.location));
  if ('excluded' in file) throw new BerthError('unrepresentable_metadata', file.excluded.message);
  await writeFragmentFile(store, tenant, repo, file);
  return file;
}
