/**
 * Regeneration (docs/service.md): build repodata for the repo's current index revision R and
 * point current.json at it, unless a generation for R or newer is already current.
 *
 * Every step is safe to run concurrently on several instances: repodata files are named by
 * their checksum and written create-only, the generation record for R is create-only (the
 * first writer's record stands; all writers build identical files from the same index), and
 * current.json only ever moves forward (If-Match, and only when its revision is below R).
 * A consumer that loses leaves files no generation references; GC removes them.
 */
import type { Codec, Platform } from '../core/platform.js';
import { repomdXml, type RepomdRecord } from '../core/repodata/repomd.js';
import { writeXmlFile, type CompressedChunk, type XmlKind } from '../core/repodata/xml-file.js';
import type { Logger } from '../core/logger.js';
import type { BlobStore } from '../storage/blob-store.js';
import { isStorageError } from '../storage/errors.js';
import { currentGenerationKey, generationKey, generationPackagesKey, repodataFileName, repodataKey, uploadKey } from '../storage/keys.js';
import type { CurrentPointer, GenerationPackages, GenerationRecord } from './generations.js';
import { readCurrent } from './generations.js';
import { readIndex } from './index-store.js';
import { DEFAULT_SEGMENT_BYTES, planChunks, type ChunkingOptions } from './chunk-cache.js';
import { ChunkSource, type ChunkStats } from './chunk-source.js';
import { isCompleteMirror } from './mirror-config.js';
import type { RepoTenancy } from './tenancy.js';
import type { IndexEntry } from './index-entry.js';

export interface RegenerateDeps {
  store: BlobStore;
  platform: Platform;
  clock: () => Date;
  logger: Logger;
}

export interface RegenerateOptions {
  /** Fragment reads in flight per chunk build (default 16). */
  window?: number;
  /** Chunk-cache reads in flight per file (default 4). */
  prefetch?: number;
  /** Chunk builds running at once (default 2): with `chunking.segmentBytes`, what bounds memory. */
  builds?: number;
  codec?: Codec;
  chunking?: ChunkingOptions;
}

export interface RegenerateResult {
  revision: number;
  /** built: this call moved current.json; up-to-date: nothing to do; superseded: another consumer got there first. */
  outcome: 'built' | 'up-to-date' | 'superseded';
  generation?: string;
  /** Chunk-cache use, when this call built files. */
  chunks?: ChunkStats;
}

const KINDS: readonly XmlKind[] = ['primary', 'filelists', 'other'];
const EXT: Record<Codec, string> = { gz: 'xml.gz', zstd: 'xml.zst' };
const MAX_POINTER_ATTEMPTS = 32;

/** createrepo_c order: by file name, then location (plain code-unit comparison). */
export function compareEntries(a: IndexEntry, b: IndexEntry): number {
  if (a.filename !== b.filename) return a.filename < b.filename ? -1 : 1;
  return a.location < b.location ? -1 : a.location > b.location ? 1 : 0;
}

function toStream(it: AsyncIterable<Uint8Array>): ReadableStream<Uint8Array> {
  const iterator = it[Symbol.asyncIterator]();
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      const r = await iterator.next();
      if (r.done) controller.close();
      else controller.enqueue(r.value);
    },
    async cancel() {
      await iterator.return?.();
    },
  }, { highWaterMark: 0 });
}

async function putCreateOnly(store: BlobStore, key: string, body: Uint8Array | ReadableStream<Uint8Array>, contentType: string): Promise<void> {
  try {
    await store.put(key, body, { ifNoneMatch: '*', contentType });
  } catch (e) {
    if (!isStorageError(e, 'precondition_failed')) throw e;
  }
}

/** Writes one metadata file: streamed to a staging blob, then copied under its checksum name. */
async function writeMetadataFile(
  deps: RegenerateDeps,
  tenant: string,
  repo: string,
  kind: XmlKind,
  count: number,
  items: AsyncIterable<CompressedChunk>,
  codec: Codec,
): Promise<{ name: string; record: Omit<RepomdRecord, 'timestamp'> }> {
  const { store, platform } = deps;
  const file = writeXmlFile(kind, count, items, platform, { codec });
  const staging = uploadKey(crypto.randomUUID());
  try {
    await store.put(staging, toStream(file.bytes), { contentType: 'application/octet-stream' });
    const d = await file.digest;
    const name = repodataFileName(d.checksum, kind, EXT[codec]);
    const key = repodataKey(tenant, repo, name);
    if (store.copy) {
      try {
        await store.copy(staging, key, { ifNoneMatch: '*' });
      } catch (e) {
        if (!isStorageError(e, 'precondition_failed')) throw e;
      }
    } else {
      const obj = await store.get(staging);
      if (!obj) throw new Error(`staged ${kind} metadata vanished`);
      await putCreateOnly(store, key, obj.body, 'application/octet-stream');
    }
    return {
      name,
      record: { type: kind, checksum: d.checksum, openChecksum: d.openChecksum, location: `repodata/${name}`, size: d.size, openSize: d.openSize },
    };
  } finally {
    await store.delete(staging).catch(() => undefined);
  }
}

/** Moves current.json to `pointer` unless it already points at this revision or a newer one. */
async function swapPointer(store: BlobStore, tenant: string, repo: string, pointer: CurrentPointer): Promise<boolean> {
  const key = currentGenerationKey(tenant, repo);
  const body = new TextEncoder().encode(JSON.stringify(pointer));
  for (let attempt = 0; attempt < MAX_POINTER_ATTEMPTS; attempt++) {
    const cur = await readCurrent(store, tenant, repo);
    if (cur && cur.value.revision >= pointer.revision) return false;
    try {
      await store.put(key, body, { contentType: 'application/json', ...(cur ? { ifMatch: cur.etag } : { ifNoneMatch: '*' as const }) });
      return true;
    } catch (e) {
      if (!isStorageError(e, 'precondition_failed')) throw e;
    }
  }
  return false;
}

export async function regenerate(
  deps: RegenerateDeps,
  tenancy: Pick<RepoTenancy, 'signDetached'>,
  tenant: string,
  repo: string,
  options: RegenerateOptions = {},
): Promise<RegenerateResult> {
  const window = Math.max(1, options.window ?? 16);
  const prefetch = Math.max(1, options.prefetch ?? 4);
  const codec = options.codec ?? 'gz';
  const { store, platform } = deps;
  const { index } = await readIndex(store, tenant, repo);
  const revision = index.revision;
  const before = await readCurrent(store, tenant, repo);
  if (before && before.value.revision >= revision) return { revision, outcome: 'up-to-date' };
  // A complete mirror serves upstream's own signed metadata (src/mirror): never replace it.
  if (await isCompleteMirror(store, tenant, repo)) return { revision, outcome: 'up-to-date' };

  const entries = [...index.packages].sort(compareEntries);
  const plans = planChunks(platform, codec, entries, options.chunking);
  const source = new ChunkSource(deps, tenant, repo, codec, {
    window,
    builds: Math.max(1, options.builds ?? 2),
    segmentBytes: Math.max(1, options.chunking?.segmentBytes ?? DEFAULT_SEGMENT_BYTES),
  }, plans.length);
  // The three files are written concurrently from the same chunk plan; a chunk missing from
  // the cache is built once for all three (fragments read once), see chunk-source.ts.
  const written = await Promise.all(KINDS.map((kind) =>
    writeMetadataFile(deps, tenant, repo, kind, entries.length, source.members(plans, kind, prefetch), codec)));
  const files = written.map((w) => w.name);
  const records: RepomdRecord[] = written.map((w) => ({ ...w.record, timestamp: index.updatedAt }));
  const repomd = repomdXml(records, { revision: String(revision) });
  const asc = await tenancy.signDetached(store, tenant, repo, repomd);

  const packages: GenerationPackages = entries.map((e) => [e.location, e.sha256]);
  await putCreateOnly(store, generationPackagesKey(tenant, repo, revision), new TextEncoder().encode(JSON.stringify(packages)), 'application/json');
  const record: GenerationRecord = {
    revision, createdAt: deps.clock().toISOString(), files, repomd, asc, chunks: [...plans.map((p) => p.id), ...source.segmentIds],
  };
  const genKey = generationKey(tenant, repo, revision);
  await putCreateOnly(store, genKey, new TextEncoder().encode(JSON.stringify(record)), 'application/json');

  const moved = await swapPointer(store, tenant, repo, { revision, generation: genKey });
  if (moved) deps.logger.info('repodata generated', { tenant, repo, revision, packages: entries.length, ...source.stats });
  return { revision, outcome: moved ? 'built' : 'superseded', generation: genKey, chunks: { ...source.stats } };
}
