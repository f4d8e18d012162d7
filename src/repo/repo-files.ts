/**
 * The metadata files of a repo besides primary, filelists and other (docs/advisories.md):
 * updateinfo (from the advisories), comps (`group`, `group_gz`) and modules. Each is stored once,
 * under its checksum name in `repodata/`, when it changes; `repo-files.json` (compare-and-swap)
 * says which ones are current, and regeneration adds them to repomd.xml as they are — so a
 * publish never rebuilds them and their cost follows their own changes.
 */
import type { Platform } from '../core/platform.js';
import { toHex } from '../core/platform.js';
import type { RepomdRecord } from '../core/repodata/repomd.js';
import type { BlobStore } from '../storage/blob-store.js';
import { isStorageError } from '../storage/errors.js';
import { readJson, writeJson } from '../storage/json-blob.js';
import { repodataFileName, repodataKey, repoFilesKey } from '../storage/keys.js';
import { Refusal } from './errors.js';

/** What a repo can carry, and the repomd record types each one gives. */
export const REPO_FILE_SOURCES = { updateinfo: ['updateinfo'], group: ['group', 'group_gz'], modules: ['modules'] } as const;
export type RepoFileSource = keyof typeof REPO_FILE_SOURCES;

export interface RepoFileRecord {
  type: string;
  /** File name under repodata/ (`<sha256>-<base>.<ext>`). */
  name: string;
  checksum: string;
  /** Of the uncompressed bytes, for compressed files. */
  openChecksum?: string;
  size: number;
  openSize?: number;
  /** Seconds: when it was stored (repomd `<timestamp>`). */
  timestamp: number;
}

export interface RepoFilesDoc {
  files: RepoFileRecord[];
  /** Per source, the serial of the document it was built from (advisories): never goes back. */
  serials: Partial<Record<RepoFileSource, number>>;
}

const EMPTY: RepoFilesDoc = { files: [], serials: {} };

export async function readRepoFilesState(store: BlobStore, tenant: string, repo: string): Promise<RepoFilesDoc> {
  return (await readJson<RepoFilesDoc>(store, repoFilesKey(tenant, repo)))?.value ?? EMPTY;
}

export async function readRepoFiles(store: BlobStore, tenant: string, repo: string): Promise<RepoFileRecord[]> {
  return (await readRepoFilesState(store, tenant, repo)).files;
}

export function repomdRecordOf(f: RepoFileRecord): RepomdRecord {
  const r: RepomdRecord = { type: f.type, checksum: f.checksum, location: `repodata/${f.name}`, timestamp: f.timestamp, size: f.size };
  if (f.openChecksum !== undefined) r.openChecksum = f.openChecksum;
  if (f.openSize !== undefined) r.openSize = f.openSize;
  return r;
}

const sha256 = (platform: Platform, bytes: Uint8Array): string => {
  const h = platform.createHash('sha256');
  h.update(bytes);
  return toHex(h.digest());
};

async function putCreateOnly(store: BlobStore, key: string, body: Uint8Array): Promise<void> {
  if (await store.head(key)) return;
  try {
    await store.put(key, body, { ifNoneMatch: '*', contentType: 'application/octet-stream' });
  } catch (e) {
    if (!isStorageError(e, 'precondition_failed')) throw e;
  }
}

/**
 * Stores `bytes` as one metadata file under its checksum name: gzip-compressed as
 * `<sha>-<base>.gz` when `gz`, else as it is (`<sha>-<base>`). `base` is e.g. `updateinfo.xml`.
 */
export async function storeRepoFile(
  deps: { store: BlobStore; platform: Platform }, tenant: string, repo: string, type: string, base: string, bytes: Uint8Array, gz: boolean, now: Date,
): Promise<RepoFileRecord> {
  const timestamp = Math.floor(now.getTime() / 1000);
  const open = sha256(deps.platform, bytes);
  if (!gz) {
    const name = `${open}-${base}`;
    await putCreateOnly(deps.store, repodataKey(tenant, repo, name), bytes);
    return { type, name, checksum: open, size: bytes.length, timestamp };
  }
  const packed = await deps.platform.compress('gz', bytes);
  const checksum = sha256(deps.platform, packed);
  const name = repodataFileName(checksum, base.replace(/\.[a-z]+$/, ''), `${base.slice(base.lastIndexOf('.') + 1)}.gz`);
  await putCreateOnly(deps.store, repodataKey(tenant, repo, name), packed);
  return { type, name, checksum, openChecksum: open, size: packed.length, openSize: bytes.length, timestamp };
}

/**
 * Makes `files` the current files of `source` (none: the source is gone from repomd), unless a
 * newer `serial` of that source is already there. True when the stored set changed.
 */
export async function setRepoFiles(
  store: BlobStore, tenant: string, repo: string, source: RepoFileSource, files: readonly RepoFileRecord[], serial?: number,
): Promise<boolean> {
  const key = repoFilesKey(tenant, repo);
  const types: readonly string[] = REPO_FILE_SOURCES[source];
  for (let attempt = 0; attempt < 32; attempt++) {
    const got = await readJson<RepoFilesDoc>(store, key);
    const doc = got?.value ?? EMPTY;
    const before = doc.serials[source];
    if (serial !== undefined && before !== undefined && before >= serial) return false;
    const kept = doc.files.filter((f) => !types.includes(f.type));
    const same = JSON.stringify(doc.files.filter((f) => types.includes(f.type)).map((f) => f.name)) === JSON.stringify(files.map((f) => f.name));
    if (same && serial === before) return false;
    const next: RepoFilesDoc = { files: [...kept, ...files], serials: { ...doc.serials, ...(serial !== undefined ? { [source]: serial } : {}) } };
    try {
      await writeJson(store, key, next, got ? { ifMatch: got.etag } : { ifNoneMatch: '*' });
      return !same;
    } catch (e) {
      if (!isStorageError(e, 'precondition_failed')) throw e;
    }
  }
  throw new Refusal('busy', 'busy', `the metadata files of ${tenant}/${repo} kept changing; try again`, {}, 1);
}

export { repodataFileName };
