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
import type { XmlKind } from '../core/repodata/xml-file.js';
import type { Logger } from '../core/logger.js';
import type { BlobStore } from '../storage/blob-store.js';
import { publishGeneration, readCurrent, type GenerationRecord } from './generations.js';
import { readHead } from './index-store.js';
import { readList } from './index-objects.js';
import { DEFAULT_PART_BYTES, planChunks, type ChunkingOptions } from './chunk-cache.js';
import { ChunkSource, type BufferPool, type ChunkStats } from './chunk-source.js';
import type { MemberArena } from './member-arena.js';
import type { ObjectCache } from './object-cache.js';
import { writeMemberMap } from './member-map.js';
import { byteBudget, writeMetadataFile, type WrittenFile } from './metadata-writer.js';
import { isCompleteMirror } from './mirror-config.js';
import { readRepoFiles, repomdRecordOf } from './repo-files.js';
import type { RepoTenancy } from './tenancy.js';
import { compareKeys, type IndexEntry } from './index-entry.js';

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
  /** Chunk builds running at once (default 2): with `chunking.partBytes`, what bounds memory. */
  builds?: number;
  codec?: Codec;
  chunking?: ChunkingOptions;
  /**
   * Bytes of compressed members the three files may keep in memory between their two passes
   * (metadata-writer.ts) instead of reading them again (default 0: every member read twice).
   */
  keepMembers?: number;
  /**
   * A long-running server's memory, reused by each of its regenerations instead of allocated
   * anew: read buffers (chunk-source.ts) and the kept members (member-arena.ts; instead of
   * `keepMembers`).
   */
  reuse?: { buffers: BufferPool; members: MemberArena };
  /**
   * Compressed members kept across regenerations, one cache per store and process (chunk-source.ts):
   * for stores where each read is a network round trip. A regeneration then reads only the chunks
   * that changed since the members were kept.
   */
  memberCache?: ObjectCache;
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

/** createrepo_c order: by file name, then location (plain code-unit comparison). */
export function compareEntries(a: IndexEntry, b: IndexEntry): number {
  return compareKeys(a, b);
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
  const { store } = deps;
  // The head and its segment list only: packages are read for chunks the cache lacks.
  const { head } = await readHead(store, tenant, repo);
  const revision = head.revision;
  const before = await readCurrent(store, tenant, repo);
  if (before && before.value.revision >= revision) return { revision, outcome: 'up-to-date' };
  // A complete mirror serves upstream's own signed metadata (src/mirror): never replace it.
  if (await isCompleteMirror(store, tenant, repo)) return { revision, outcome: 'up-to-date' };

  const plans = await planChunks(codec, await readList(store, tenant, repo, head.list));
  const source = new ChunkSource(deps, tenant, repo, codec, {
    window,
    builds: Math.max(1, options.builds ?? 2),
    partBytes: Math.max(1, options.chunking?.partBytes ?? DEFAULT_PART_BYTES),
    ...(options.reuse ? { buffers: options.reuse.buffers } : {}),
    ...(options.memberCache ? { memberCache: options.memberCache } : {}),
  }, plans.length);
  // The three files are made concurrently from the same chunk plan; a chunk missing from the
  // cache is built once for all three (fragments read once), see chunk-source.ts.
  const lease = options.reuse?.members.lease();
  const budget = lease ?? byteBudget(Math.max(0, options.keepMembers ?? 0));
  // every file settled before the lease ends: one still being written reads what it kept
  const settled = await Promise.allSettled(KINDS.map((kind) =>
    writeMetadataFile(deps, tenant, repo, kind, head.count, source.members(plans, kind, prefetch), codec, prefetch, budget)));
  lease?.release();
  const failed = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
  const written = settled.map((r) => (r as PromiseFulfilledResult<WrittenFile>).value);
  // updateinfo, comps and modules: stored when they changed, listed as they are (repo-files.ts)
  const extra = await readRepoFiles(store, tenant, repo);
  const records: RepomdRecord[] = [...written.map((w) => ({ ...w.record, timestamp: head.updatedAt })), ...extra.map(repomdRecordOf)];
  const repomd = repomdXml(records, { revision: String(revision) });
  const asc = await tenancy.signDetached(store, tenant, repo, repomd);
  // Where each file's members lie, for clients that fetch only the changed ones (listed with the
  // files, so GC keeps it as long as them).
  const map = await writeMemberMap(store, deps.platform, tenant, repo, repomd, written.map((w) => ({ href: w.record.location, type: w.record.type, members: w.members })));
  const files = [...written.map((w) => w.name), map, ...extra.map((f) => f.name)];

  const record: GenerationRecord = {
    revision, createdAt: deps.clock().toISOString(), files, repomd, asc, index: head.list, codec, parts: [...source.partIds],
  };
  const { generation: genKey, current: moved } = await publishGeneration(store, tenant, repo, record);
  if (moved) deps.logger.info('repodata generated', { tenant, repo, revision, packages: head.count, ...source.stats });
  return { revision, outcome: moved ? 'built' : 'superseded', generation: genKey, chunks: { ...source.stats } };
}
