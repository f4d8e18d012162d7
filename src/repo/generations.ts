/**
 * Generation records and the `current.json` pointer (docs/service.md, Regeneration). A
 * generation is immutable once written; serving reads current.json once and then only that
 * generation's record, so repomd.xml and repomd.xml.asc always come from the same build.
 */
import type { BlobStore } from '../storage/blob-store.js';
import { currentGenerationKey, generationKey, generationPackagesKey } from '../storage/keys.js';

export interface GenerationRecord {
  revision: number;
  /** ISO time the record was written. */
  createdAt: string;
  /** File names under repodata/ (checksum-named), in repomd order. */
  files: string[];
  repomd: string;
  asc: string;
  /**
   * Ids of the chunk-cache entries the files were assembled from (repo/chunk-cache.ts): the
   * chunks', then those of the segments of chunks stored in segments, so GC keeps exactly the
   * entries a retained generation used. Absent in records from before the cache.
   */
  chunks?: string[];
}

/** `[location, sha256]` of every package of a generation (kept beside the record, not in it). */
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
