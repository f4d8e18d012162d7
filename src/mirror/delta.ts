/**
 * A complete mirror of a Berth upstream fetches only the members that changed (docs/mirror.md,
 * Fetching only what changed). Berth serves a member map beside each generation; the new
 * generation's map says where each compressed member of a new metadata file lies, the previous
 * generation's map (stored by the last run, else asked of upstream) where the members of the file
 * the mirror already holds lie. Members the stored file has are read from the store by range, the
 * others fetched by single-range requests, one per run of changed members (the plan is shared
 * with `berth sync`: src/core/repodata/members.ts); the pieces stream in order into a staging
 * blob, counted and hashed, which must then match repomd.xml's size and checksum like any
 * download.
 *
 * Nothing from upstream is trusted: a map that does not fit repomd.xml, a 200 to a range request
 * (not read at all), a 206 for other bytes (not read), a body longer than its span (cut off at the
 * span) or shorter, a stored copy that is not the one its map describes, an assembled file with
 * another checksum — each ends in `fallback`, and the caller downloads the file whole.
 */
import type { HashAlgorithm, Platform } from '../core/platform.js';
import { describedFiles, encodeMemberMap, memberMapName, parseMemberMap, planDelta, worthRanges, type FileMembers, type Piece } from '../core/repodata/members.js';
import type { RepomdEntry } from '../core/repodata/read/repomd.js';
import { concatStreams } from '../core/streams.js';
import { readAll } from '../net/bounded-body.js';
import { isOutboundError } from '../net/errors.js';
import { shownUrl } from '../net/outbound.js';
import { exactly, rangeAnswer } from '../net/range.js';
import { stage, type Staged } from '../repo/ingest.js';
import type { BlobStore } from '../storage/blob-store.js';
import { isStorageError } from '../storage/errors.js';
import { repodataKey } from '../storage/keys.js';
import { MirrorError } from './errors.js';
import { fetchBytes, fetchRange, resolveHref, type UpstreamOptions } from './upstream.js';

/** What a run did by ranges (the summary's `ranges`). */
export interface RangeCounts {
  /** Metadata files made from the stored copy plus ranges. */
  files: number;
  /** Bytes read from range answers (also of attempts that fell back). */
  fetchedBytes: number;
  /** Bytes copied from stored copies into those files. */
  copiedBytes: number;
  /** Files that fell back to a whole download. */
  fallbacks: number;
}

export const noRanges = (): RangeCounts => ({ files: 0, fetchedBytes: 0, copiedBytes: 0, fallbacks: 0 });

/** A stored metadata file and its members. */
export interface StoredCopy {
  key: string;
  members: FileMembers;
}

export interface DeltaSource {
  /** The new generation's files, by type: those its map describes exactly as repomd.xml does. */
  next: Map<string, FileMembers>;
  /** The stored file of this type from the last run, with its members (the old map is read once, when first needed). */
  old(type: string): Promise<StoredCopy | undefined>;
  counts: RangeCounts;
  /** Types whose file, assembled as the map says, had another checksum: the map lied about them. */
  distrusted: Set<string>;
}

class Fallback extends Error {}

/** A map from upstream, checked; null when there is none or it is no map (a map is only a shortcut). */
async function upstreamMap(base: string, repomdSha256: string, up: UpstreamOptions): Promise<FileMembers[] | null> {
  try {
    const bytes = await fetchBytes(resolveHref(base, `repodata/${memberMapName(repomdSha256)}`), up, true);
    return bytes ? parseMemberMap(bytes) : null;
  } catch (e) {
    if (up.signal?.aborted) throw e;
    return null;
  }
}

/** The map this mirror stored beside the generation of that repomd.xml, or null. */
async function storedMap(store: BlobStore, tenant: string, repo: string, repomdSha256: string, limit: number): Promise<FileMembers[] | null> {
  const obj = await store.get(repodataKey(tenant, repo, memberMapName(repomdSha256)));
  if (!obj) return null;
  if (obj.size > limit) {
    await obj.body.cancel().catch(() => undefined);
    return null;
  }
  try {
    return parseMemberMap(await readAll(obj.body));
  } catch {
    return null;
  }
}

/**
 * For a complete mirror of a Berth upstream: the new generation's map (for the `records` the
 * mirror keeps), and the way to the previous run's stored files (`previous`: the repomd.xml sha256
 * of the last successful run). Null when upstream serves no usable map.
 */
export async function deltaSource(
  store: BlobStore, tenant: string, repo: string, base: string, repomdSha256: string, previous: string | undefined,
  records: readonly RepomdEntry[], up: UpstreamOptions,
): Promise<DeltaSource | null> {
  const next = describedFiles((await upstreamMap(base, repomdSha256, up)) ?? [], records);
  if (next.size === 0) return null;
  let old: Promise<Map<string, StoredCopy>> | null = null;
  const load = async (): Promise<Map<string, StoredCopy>> => {
    const out = new Map<string, StoredCopy>();
    if (previous === undefined || !/^[0-9a-f]{64}$/.test(previous) || previous === repomdSha256) return out;
    const stored = (await storedMap(store, tenant, repo, previous, up.outbound.limits.maxDocumentBytes)) ?? [];
    // types the stored map lacks (kept none, or left out a file whose map lied) from upstream's
    const lacking = [...next.keys()].some((t) => !stored.some((f) => f.type === t));
    const files = [...stored, ...(lacking ? ((await upstreamMap(base, previous, up)) ?? []).filter((f) => !stored.some((g) => g.type === f.type)) : [])];
    for (const f of files) {
      const name = /^repodata\/([^/]+)$/.exec(f.href)?.[1];
      if (!name || !next.has(f.type)) continue;
      try {
        out.set(f.type, { key: repodataKey(tenant, repo, name), members: f });
      } catch {
        // a name the store cannot hold: no stored copy
      }
    }
    return out;
  };
  return { next, old: async (type) => (await (old ??= load())).get(type), counts: noRanges(), distrusted: new Set() };
}

/**
 * Builds `r` into a staging blob from `old` and ranges of `url`, or says why not (then nothing is
 * left behind). `bytes`: what this file's range answers delivered.
 */
export async function assembleFile(
  store: BlobStore, platform: Platform, r: RepomdEntry, algorithm: HashAlgorithm, url: string, next: FileMembers, old: StoredCopy,
  up: UpstreamOptions, counts: RangeCounts, distrusted?: Set<string>,
): Promise<{ staged: Staged; bytes: number } | { fallback: string }> {
  if (r.size === null || next.size !== r.size) return { fallback: 'the member map does not match repomd.xml' };
  const size = r.size;
  if ((await store.head(old.key))?.size !== old.members.size) return { fallback: 'the stored copy is not the one its map describes' };
  const plan = planDelta(old.members, next);
  if (!worthRanges(plan, size)) return { fallback: 'most of the file changed' };
  const shown = shownUrl(url);
  let bytes = 0;
  const counted = (n: number): void => {
    bytes += n;
    counts.fetchedBytes += n;
  };
  const open = async (p: Piece): Promise<ReadableStream<Uint8Array>> => {
    const span = { start: p.start, length: p.length };
    if (p.source === 'old') {
      const obj = await store.get(old.key, { range: { offset: p.start, length: p.length } });
      if (!obj) throw new Fallback('the stored copy is gone');
      return exactly(obj.body, p.length, old.key);
    }
    const res = await fetchRange(url, span, up, counted);
    const answer = rangeAnswer(res, span, size);
    if (answer !== 'partial') {
      await res.body.cancel().catch(() => undefined);
      throw new Fallback(answer === 'whole' ? `${shown} answers ranges with the whole file` : `${shown} answered a range with other bytes`);
    }
    return exactly(res.body, p.length, shown);
  };
  let staged: Staged;
  try {
    staged = await stage({ store, platform }, concatStreams(plan.pieces.map((p) => () => open(p))), {
      limit: size, digests: [algorithm], contentType: 'application/octet-stream', overLimit: () => new Fallback('the assembled file is longer than repomd.xml says'),
    });
  } catch (e) {
    if (up.signal?.aborted) throw new MirrorError('mirror_aborted', 'the mirror run was stopped (the server is shutting down)');
    // whatever went wrong on this path, a whole download is the answer; a cause that persists
    // (the store failing) is reported by that download
    return { fallback: e instanceof Fallback || e instanceof MirrorError || isOutboundError(e) || isStorageError(e) ? e.message : String(e) };
  }
  if (staged.size !== size || staged.digests[algorithm] !== r.checksum.value) {
    await store.delete(staged.key).catch(() => undefined);
    distrusted?.add(r.type);
    return { fallback: 'the assembled file does not match repomd.xml' };
  }
  counts.files++;
  counts.copiedBytes += plan.copyBytes;
  return { staged, bytes };
}

/**
 * Stores upstream's map of the files this mirror serves beside them (create-only, named by the
 * repomd.xml it describes, which the mirror serves unchanged): the next run reads its stored
 * copies' members from it, and clients of this mirror (`berth sync`, another mirror) fetch only
 * changed members from it in turn. Files the map was caught lying about are left out (a map is
 * advice either way: every reader checks what it assembles). Returns its name under repodata/,
 * or null when no file is left.
 */
export async function storeMemberMap(store: BlobStore, tenant: string, repo: string, repomdSha256: string, delta: DeltaSource): Promise<string | null> {
  const files = [...delta.next.values()].filter((f) => !delta.distrusted.has(f.type));
  if (files.length === 0) return null;
  const name = memberMapName(repomdSha256);
  try {
    await store.put(repodataKey(tenant, repo, name), encodeMemberMap(files), { ifNoneMatch: '*', contentType: 'application/json' });
  } catch (e) {
    if (!isStorageError(e, 'precondition_failed')) throw e;
  }
  return name;
}
