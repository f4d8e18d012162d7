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
import { cachePerStore } from './object-cache.js';
import { readBytes } from './read-bytes.js';

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
  remember(store, tenant, repo, file);
}

/**
 * Fragments read or written recently, per process: a chunk rebuild needs every fragment of its
 * index segment, and during a burst of publishes the same segments are rebuilt again and again.
 * A cached file is only used for an entry it was built for (same sha256, addedAt and location),
 * which is exactly what makes a stored file valid too, so it can never be stale.
 */
export const FRAGMENT_CACHE_BYTES = 8 * 1024 * 1024;
const fragmentCache = cachePerStore<BlobStore>(FRAGMENT_CACHE_BYTES);

function remember(store: BlobStore, tenant: string, repo: string, file: FragmentFile): void {
  const size = file.primary.length + file.filelists.length + file.other.length + file.location.length + 128;
  fragmentCache(store).set(`${tenant}/${repo}/${file.sha256}`, file, size);
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

/** The stored fragment file, or null when absent (one read of its exact size). */
export async function readFragmentFile(store: BlobStore, tenant: string, repo: string, sha256: string): Promise<FragmentFile | null> {
  const bytes = await readBytes(store, repoFragmentKey(tenant, repo, sha256));
  if (!bytes) return null;
  return JSON.parse(new TextDecoder().decode(bytes)) as FragmentFile;
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
  const matches = (f: FragmentFile | null | undefined): f is FragmentFile => !!f && f.addedAt === entry.addedAt && f.location === entry.location && f.sha256 === entry.sha256;
  const cached = fragmentCache(store).peek<FragmentFile>(`${tenant}/${repo}/${entry.sha256}`);
  if (matches(cached)) return cached;
  const stored = await readFragmentFile(store, tenant, repo, entry.sha256);
  if (matches(stored)) {
    remember(store, tenant, repo, stored);
    return stored;
  }
  const blob = await store.get(packageBlobKey(tenant, entry.sha256));
  if (!blob) throw new MissingPackageBlobError(tenant, entry.sha256);
  const result = await readRpm(blob.body, platform);
  const file = fragmentFile(packageRecord(result, entry.addedAt, entry.location));
  if ('excluded' in file) throw new BerthError('unrepresentable_metadata', file.excluded.message);
  await writeFragmentFile(store, tenant, repo, file);
  return file;
}
