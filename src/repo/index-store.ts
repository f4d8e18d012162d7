/**
 * The repo index, the authoritative package set of a repo (docs/service.md, Index): a small head
 * `t/<t>/r/<r>/index.json` changed only by compare-and-swap, naming an immutable segment list,
 * naming immutable segments of at most 1,024 entries in createrepo_c order. A publish or delete
 * reads the head, the (cached) list and the one segment covering its package; concurrent
 * publishes in one process share commits (index-commit.ts); concurrent writers anywhere never
 * lose each other's changes.
 *
 * `readIndex` and `updateIndex` work on the whole package set: for the answers that are the whole
 * set (package listing, a full changes feed, mirror runs), never on a publish's path.
 */
import type { BlobStore } from '../storage/blob-store.js';
import { isStorageError } from '../storage/errors.js';
import { indexKey } from '../storage/keys.js';
import { diffPackages, type ChangeRecord } from './change-log.js';
import { afterCommit, contention, loadHead, nextHead, submitOp, swapHead, writeObjects, type CasOptions, type OpOutcome } from './index-commit.js';
import { canonicalEntry, compareKeys, findEntry, type AddOutcome, type EntryKey, type IndexEntry } from './index-entry.js';
import { cutRun, normalLayout, type IndexLayout } from './index-layout.js';
import {
  emptyHead, encodeHead, encodeList, encodeSegment, lastChangeOf, objectCache, readList, readSegment, type EncodedObject,
  type SegmentRef,
} from './index-objects.js';

export { CorruptIndexError, type IndexHead, type SegmentRef } from './index-objects.js';
export { sameNevra, type AddOutcome } from './index-entry.js';
export { IndexContentionError, type CasOptions } from './index-commit.js';
export { loadHead as readHead } from './index-commit.js';

/** The whole package set of a repo at one revision. */
export interface RepoIndex {
  revision: number;
  /** Seconds of the last change (repomd `<timestamp>` of the generation built from it). */
  updatedAt: number;
  packages: IndexEntry[];
}

export interface IndexRead {
  index: RepoIndex;
  /** ETag of the stored head, null when there is none yet. */
  etag: string | null;
  /** What the stored revision changed (see change-log.ts). */
  lastChange?: ChangeRecord;
}

export function emptyIndex(): RepoIndex {
  return { revision: 0, updatedAt: 0, packages: [] };
}

/**
 * Creates the (empty) index of a repo with a chosen segment layout, unless it has one already.
 * Repos get the default layout on their first publish; tests choose small segments this way.
 */
export async function initIndex(store: BlobStore, tenant: string, repo: string, layout: Partial<IndexLayout>): Promise<boolean> {
  try {
    await store.put(indexKey(tenant, repo), encodeHead(emptyHead(normalLayout(layout))), { ifNoneMatch: '*', contentType: 'application/json' });
    return true;
  } catch (e) {
    if (!isStorageError(e, 'precondition_failed')) throw e;
    return false;
  }
}

/** Every entry of the index named by `list`, segment by segment, in createrepo_c order. */
export async function* listEntries(store: BlobStore, tenant: string, repo: string, list: string | null): AsyncGenerator<IndexEntry> {
  for (const ref of await readList(store, tenant, repo, list)) yield* await readSegment(store, tenant, repo, ref.id);
}

/** The entry at this sort key in the segments of `list` (reads the covering segment only). */
export async function findInList(store: BlobStore, tenant: string, repo: string, list: string | null, key: EntryKey): Promise<IndexEntry | undefined> {
  const refs = await readList(store, tenant, repo, list);
  const i = coveringSegment(refs, key);
  if (i < 0) return undefined;
  return findEntry(await readSegment(store, tenant, repo, (refs[i] as SegmentRef).id), key);
}

/** Index of the segment whose range holds `key` (-1 for an empty list). */
export function coveringSegment(refs: readonly SegmentRef[], key: EntryKey): number {
  let lo = 0;
  let hi = refs.length - 1;
  if (hi < 0) return -1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (compareKeys((refs[mid] as SegmentRef).first, key) <= 0) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/** The current entry at this sort key, with the head's revision. */
export async function lookupEntry(store: BlobStore, tenant: string, repo: string, key: EntryKey): Promise<{ entry: IndexEntry | undefined; revision: number }> {
  const { head } = await loadHead(store, tenant, repo);
  return { entry: await findInList(store, tenant, repo, head.list, key), revision: head.revision };
}

/** The whole package set (reads every segment): for answers that are the whole set. */
export async function readIndex(store: BlobStore, tenant: string, repo: string): Promise<IndexRead> {
  const { head, etag } = await loadHead(store, tenant, repo);
  const packages: IndexEntry[] = [];
  for await (const e of listEntries(store, tenant, repo, head.list)) packages.push(e);
  const read: IndexRead = { index: { revision: head.revision, updatedAt: head.updatedAt, packages }, etag };
  const lastChange = await lastChangeOf(store, tenant, repo, head);
  if (lastChange) read.lastChange = lastChange;
  return read;
}

/**
 * What a whole-set mutation decides: `next` is the package set to store or null to leave the
 * index untouched; `result` is returned to the caller either way.
 */
export type Mutation<T> = (current: RepoIndex) => { next: RepoIndex | null; result: T };

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Replaces the whole package set by CAS (mirror runs: they decide on upstream's whole set). The
 * new set is cut by the segment rule; segments equal to stored ones are not written again.
 */
export async function updateIndex<T>(
  store: BlobStore, tenant: string, repo: string, now: () => Date, mutate: Mutation<T>, opts: CasOptions = {},
): Promise<{ result: T; index: RepoIndex; changed: boolean; list: string | null }> {
  const maxAttempts = opts.maxAttempts ?? 64;
  for (let attempt = 1; attempt <= maxAttempts; attempt++) {
    const { head, etag } = await loadHead(store, tenant, repo);
    const old = await readList(store, tenant, repo, head.list);
    const current: RepoIndex = { revision: head.revision, updatedAt: head.updatedAt, packages: [] };
    for await (const e of listEntries(store, tenant, repo, head.list)) current.packages.push(e);
    const { next, result } = mutate(current);
    if (!next) return { result, index: current, changed: false, list: head.list };
    const sorted = next.packages.map(canonicalEntry).sort(compareKeys);
    const known = new Set(old.map((r) => r.id));
    const refs: SegmentRef[] = [];
    const objects: EncodedObject[] = [];
    for (const piece of cutRun(sorted, head.layout)) {
      const seg = await encodeSegment(piece);
      if (!known.has(seg.id)) objects.push(seg);
      refs.push({ id: seg.id, count: piece.length, first: { filename: piece[0]!.filename, location: piece[0]!.location } });
    }
    let listId: string | null = null;
    if (refs.length > 0) {
      const list = await encodeList(refs);
      objects.push(list);
      listId = list.id;
    }
    await writeObjects(store, tenant, repo, objects);
    const { next: nextHeadValue, record } = await nextHead(store, tenant, repo, head, now,
      (revision, at) => diffPackages(current.packages, sorted, revision, at), sorted.length, listId);
    if (await swapHead(store, tenant, repo, nextHeadValue, etag)) {
      await afterCommit(store, tenant, repo, head, record);
      return { result, index: { revision: nextHeadValue.revision, updatedAt: nextHeadValue.updatedAt, packages: sorted }, changed: true, list: listId };
    }
    await sleep(Math.random() * Math.min(250, 4 * 2 ** Math.min(attempt, 16)));
  }
  throw contention(tenant, repo, maxAttempts);
}

/**
 * Adds `entry` unless the same bytes are there (idempotent: the stored entry, with its original
 * addedAt, is returned) or its NEVRA or location is taken by other bytes. Goes through the
 * process's group committer.
 */
export async function addPackage(
  store: BlobStore, tenant: string, repo: string, entry: IndexEntry, now: () => Date, opts?: CasOptions,
): Promise<{ outcome: AddOutcome; revision: number }> {
  const { outcome, revision } = await submitOp(store, tenant, repo, now, { kind: 'add', entry }, opts);
  return { outcome: outcome as AddOutcome, revision };
}

/** Removes the package with this sha256 at this sort key; `removed` is null when it was not there. */
export async function removePackage(
  store: BlobStore, tenant: string, repo: string, target: { sha256: string } & EntryKey, now: () => Date, opts?: CasOptions,
): Promise<{ removed: IndexEntry | null; revision: number }> {
  const key = { filename: target.filename, location: target.location };
  const { outcome, revision } = await submitOp(store, tenant, repo, now, { kind: 'remove', sha256: target.sha256, key }, opts);
  return { removed: (outcome as OpOutcome).kind === 'removed' ? (outcome as { entry: IndexEntry }).entry : null, revision };
}

/**
 * The entry at this sort key if the list and its covering segment are in this process's memory
 * (synchronous; undefined when they are not, or when there is no such entry).
 */
export function peekInList(store: BlobStore, tenant: string, repo: string, list: string | null, key: EntryKey): IndexEntry | undefined {
  if (list === null) return undefined;
  const cache = objectCache(store);
  const refs = cache.peek<SegmentRef[]>(`${tenant}/${repo}/lists/${list}`);
  if (!refs) return undefined;
  const i = coveringSegment(refs, key);
  if (i < 0) return undefined;
  const segment = cache.peek<IndexEntry[]>(`${tenant}/${repo}/segments/${(refs[i] as SegmentRef).id}`);
  return segment === undefined ? undefined : findEntry(segment, key);
}
