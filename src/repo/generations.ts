/**
 * Generation records and the `current.json` pointer (docs/service.md, Regeneration). A
 * generation is immutable once written; serving reads current.json once and then only that
 * generation's record, so repomd.xml and repomd.xml.asc always come from the same build.
 */
import type { Codec } from '../core/platform.js';
import type { BlobStore } from '../storage/blob-store.js';
import { isStorageError } from '../storage/errors.js';
import { currentGenerationKey, generationKey, generationPackagesKey } from '../storage/keys.js';
import { keyOfLocation } from './index-entry.js';
import { findInList } from './index-store.js';

export interface GenerationRecord {
  revision: number;
  /** ISO time the record was written. */
  createdAt: string;
  /** File names under repodata/ (checksum-named), in repomd order. */
  files: string[];
  repomd: string;
  asc: string;
  /**
   * The index segment list the files were built from (docs/service.md, Index): the generation's
   * packages are found through its segments. Absent in records from before the index had
   * segments (they have a `.packages.json` beside them) and in complete mirrors' records written
   * before their index had segments.
   */
  index?: string | null;
  /** Codec of the files (chunk ids are derived from segment ids and the codec). */
  codec?: Codec;
  /** Ids of the chunk-cache parts of chunks stored in parts (repo/chunk-cache.ts). */
  parts?: string[];
  /**
   * Former records: ids of every chunk-cache entry the files were assembled from. Read by GC
   * until those generations expire.
   */
  chunks?: string[];
}

/** Former layout: `[location, sha256]` of every package of a generation (kept beside the record). */
export type GenerationPackages = [string, string][];

export interface CurrentPointer {
  revision: number;
  /** Storage key of the generation record. */
  generation: string;
}

async function readJson<T>(store: BlobStore, key: string): Promise<{ value: T; etag: string; lastModified: Date } | null> {
  const obj = await store.get(key);
  if (!obj) return null;
  return { value: JSON.parse(await new Response(obj.body).text()) as T, etag: obj.etag, lastModified: obj.lastModified };
}

export async function readCurrent(store: BlobStore, tenant: string, repo: string): Promise<{ value: CurrentPointer; etag: string } | null> {
  return readJson<CurrentPointer>(store, currentGenerationKey(tenant, repo));
}

export async function readGenerationAt(store: BlobStore, key: string): Promise<GenerationRecord | null> {
  return (await readJson<GenerationRecord>(store, key))?.value ?? null;
}

/** The served generation: current.json, then its record (null when the repo has none yet). */
export async function currentGeneration(store: BlobStore, tenant: string, repo: string): Promise<{ record: GenerationRecord; lastModified: Date } | null> {
  const cur = await readCurrent(store, tenant, repo);
  if (!cur) return null;
  const got = await readJson<GenerationRecord>(store, cur.value.generation);
  return got ? { record: got.value, lastModified: got.lastModified } : null;
}

export async function readGenerationPackages(store: BlobStore, tenant: string, repo: string, revision: number): Promise<GenerationPackages | null> {
  return (await readJson<GenerationPackages>(store, generationPackagesKey(tenant, repo, revision)))?.value ?? null;
}

export { generationKey, generationPackagesKey };

/**
 * The sha256 of the package at `location` in a generation: through the index segment covering it
 * (one segment read, cached), or — for a record from before the index had segments — through the
 * `.packages.json` beside it, which `legacy` loads (callers cache those maps their own way).
 */
export async function findInGeneration(
  store: BlobStore,
  tenant: string,
  repo: string,
  record: GenerationRecord,
  location: string,
  legacy: (revision: number) => Promise<ReadonlyMap<string, string> | null>,
): Promise<string | undefined> {
  if (record.index !== undefined) {
    const entry = await findInList(store, tenant, repo, record.index, keyOfLocation(location));
    return entry?.location === location ? entry.sha256 : undefined;
  }
  return (await legacy(record.revision))?.get(location);
}

const MAX_POINTER_ATTEMPTS = 32;

/**
 * Writes a generation record (create-only: a record, once written, never changes) and moves
 * current.json to it unless current.json already points at this revision or a newer one
 * (never backwards). True when this call made it current. Regeneration and complete mirrors
 * both commit their generations through here.
 */
export async function publishGeneration(store: BlobStore, tenant: string, repo: string, record: GenerationRecord): Promise<{ generation: string; current: boolean }> {
  const generation = generationKey(tenant, repo, record.revision);
  try {
    await store.put(generation, new TextEncoder().encode(JSON.stringify(record)), { ifNoneMatch: '*', contentType: 'application/json' });
  } catch (e) {
    if (!isStorageError(e, 'precondition_failed')) throw e;
  }
  const key = currentGenerationKey(tenant, repo);
  const body = new TextEncoder().encode(JSON.stringify({ revision: record.revision, generation } satisfies CurrentPointer));
  for (let attempt = 0; attempt < MAX_POINTER_ATTEMPTS; attempt++) {
    const cur = await readCurrent(store, tenant, repo);
    if (cur && cur.value.revision >= record.revision) return { generation, current: false };
    try {
      await store.put(key, body, { contentType: 'application/json', ...(cur ? { ifMatch: cur.etag } : { ifNoneMatch: '*' as const }) });
      return { generation, current: true };
    } catch (e) {
      if (!isStorageError(e, 'precondition_failed')) throw e;
    }
  }
  return { generation, current: false };
}
