/**
 * The repo index `t/<t>/r/<r>/index.json`: the authoritative package set of a repo. It is only
 * ever changed by compare-and-swap (If-Match on the ETag read, create-only when absent), so
 * concurrent publishers on any number of instances never lose each other's packages: a loser
 * re-reads and re-applies its change. Retries are bounded and jittered so a burst of publishers
 * spreads out instead of colliding in lockstep.
 */
import { BerthError } from '../core/errors.js';
import type { BlobStore } from '../storage/blob-store.js';
import { isStorageError } from '../storage/errors.js';
import { indexKey } from '../storage/keys.js';
import { diffPackages, isChangeRecord, logChange, type ChangeRecord } from './change-log.js';
import type { IndexEntry } from './index-entry.js';

export interface RepoIndex {
  /** Incremented by every change; 0 for a repo that never had a package. */
  revision: number;
  /** Seconds of the last change (repomd `<timestamp>` of the generation built from it). */
  updatedAt: number;
  packages: IndexEntry[];
}

export interface IndexRead {
  index: RepoIndex;
  /** ETag of the stored index, null when there is none yet. */
  etag: string | null;
  /**
   * What the stored revision changed (stored beside the packages so the change log can be
   * repaired after a crash; see change-log.ts). Absent for indexes written before the log.
   */
  lastChange?: ChangeRecord;
}

export class IndexContentionError extends BerthError {
  override name = 'IndexContentionError';
  static readonly CODE = 'index_contention';
  constructor(key: string, attempts: number) {
    super(IndexContentionError.CODE, `index ${key} kept changing: gave up after ${attempts} attempts`);
  }
}

export class CorruptIndexError extends BerthError {
  override name = 'CorruptIndexError';
  static readonly CODE = 'corrupt_index';
  constructor(key: string, why: string) {
    super(CorruptIndexError.CODE, `index ${key} is not a valid index: ${why}`);
  }
}

export function emptyIndex(): RepoIndex {
  return { revision: 0, updatedAt: 0, packages: [] };
}

async function readJson(store: BlobStore, key: string): Promise<{ value: unknown; etag: string } | null> {
  const obj = await store.get(key);
  if (!obj) return null;
  const text = await new Response(obj.body).text();
  try {
    return { value: JSON.parse(text) as unknown, etag: obj.etag };
  } catch (e) {
    throw new CorruptIndexError(key, e instanceof Error ? e.message : String(e));
  }
}

export async function readIndex(store: BlobStore, tenant: string, repo: string): Promise<IndexRead> {
  const key = indexKey(tenant, repo);
  const got = await readJson(store, key);
  if (!got) return { index: emptyIndex(), etag: null };
  const v = got.value as (Partial<RepoIndex> & { lastChange?: unknown }) | null;
  if (!v || typeof v.revision !== 'number' || !Array.isArray(v.packages)) throw new CorruptIndexError(key, 'missing revision or packages');
  const read: IndexRead = { index: { revision: v.revision, updatedAt: v.updatedAt ?? 0, packages: v.packages }, etag: got.etag };
  if (isChangeRecord(v.lastChange) && v.lastChange.revision === v.revision) read.lastChange = v.lastChange;
  return read;
}

export interface CasOptions {
  /** Attempts before giving up (default 64: enough for dozens of simultaneous publishers). */
  maxAttempts?: number;
  /** First back-off ceiling in ms (default 4), doubled per attempt up to `maxDelayMs` (default 250). */
  baseDelayMs?: number;
  maxDelayMs?: number;
}

/**
 * What a mutation decides: `next` is the index to store (its revision and updatedAt are set
 * here) or null to leave the index untouched; `result` is returned to the caller either way.
 */
export type Mutation<T> = (current: RepoIndex) => { next: RepoIndex | null; result: T };

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export async function updateIndex<T>(
  store: BlobStore,
  tenant: string,
  repo: string,
  now: () => Date,
  mutate: Mutation<T>,
  opts: CasOptions = {},
): Promise<{ result: T; index: RepoIndex; changed: boolean }> {
  const key = indexKey(tenant, repo);
  const maxAttempts = opts.maxAttempts ?? 64;
  const base = opts.baseDelayMs ?? 4;
  const cap = opts.maxDelayMs ?? 250;
  for (let attempt = 1; attempt <= maxAttempts; attempt++) {
    const { index, etag, lastChange } = await readIndex(store, tenant, repo);
    const { next, result } = mutate(index);
    if (!next) return { result, index, changed: false };
    const stored: RepoIndex = {
      ...next,
      revision: index.revision + 1,
      // never backwards, even with a skewed clock on another instance
      updatedAt: Math.max(index.updatedAt, Math.floor(now().getTime() / 1000)),
    };
    const change = diffPackages(index.packages, stored.packages, stored.revision, stored.updatedAt);
    const body = new TextEncoder().encode(JSON.stringify({ ...stored, lastChange: change }));
    try {
      await store.put(key, body, {
        contentType: 'application/json',
        ...(etag === null ? { ifNoneMatch: '*' as const } : { ifMatch: etag }),
      });
      await logChange(store, tenant, repo, lastChange, change);
      return { result, index: stored, changed: true };
    } catch (e) {
      if (!isStorageError(e, 'precondition_failed')) throw e;
      // full jitter: a random wait up to an exponentially growing ceiling
      const ceiling = Math.min(cap, base * 2 ** Math.min(attempt, 16));
      await sleep(Math.random() * ceiling);
    }
  }
  throw new IndexContentionError(key, maxAttempts);
}

export function sameNevra(a: Pick<IndexEntry, 'name' | 'epoch' | 'version' | 'release' | 'arch'>, b: typeof a): boolean {
  return a.name === b.name && a.epoch === b.epoch && a.version === b.version && a.release === b.release && a.arch === b.arch;
}

export type AddOutcome =
  | { kind: 'added'; entry: IndexEntry }
  | { kind: 'exists'; entry: IndexEntry }
  | { kind: 'nevra_conflict'; existing: IndexEntry }
  | { kind: 'location_conflict'; existing: IndexEntry };

/**
 * Adds `entry` unless the same bytes are there (idempotent: the stored entry, with its original
 * addedAt, is returned) or its NEVRA or location is taken by other bytes.
 */
export async function addPackage(
  store: BlobStore,
  tenant: string,
  repo: string,
  entry: IndexEntry,
  now: () => Date,
  opts?: CasOptions,
): Promise<{ outcome: AddOutcome; revision: number }> {
  const { result, index } = await updateIndex<AddOutcome>(store, tenant, repo, now, (cur) => {
    const same = cur.packages.find((p) => p.sha256 === entry.sha256);
    if (same) return { next: null, result: { kind: 'exists', entry: same } };
    const nevra = cur.packages.find((p) => sameNevra(p, entry));
    if (nevra) return { next: null, result: { kind: 'nevra_conflict', existing: nevra } };
    const loc = cur.packages.find((p) => p.location === entry.location);
    if (loc) return { next: null, result: { kind: 'location_conflict', existing: loc } };
    return { next: { ...cur, packages: [...cur.packages, entry] }, result: { kind: 'added', entry } };
  }, opts);
  return { outcome: result, revision: index.revision };
}

/** Removes the package with this sha256; `removed` is null when it was not in the index. */
export async function removePackage(
  store: BlobStore,
  tenant: string,
  repo: string,
  sha256: string,
  now: () => Date,
  opts?: CasOptions,
): Promise<{ removed: IndexEntry | null; revision: number }> {
  const { result, index } = await updateIndex<IndexEntry | null>(store, tenant, repo, now, (cur) => {
    const hit = cur.packages.find((p) => p.sha256 === sha256);
    if (!hit) return { next: null, result: null };
    return { next: { ...cur, packages: cur.packages.filter((p) => p !== hit) }, result: hit };
  }, opts);
  return { removed: result, revision: index.revision };
}
