/**
 * The stored pieces of a repo index (docs/service.md, Index) and how they are read and written:
 *
 * - the head `index.json` `{format: 2, revision, updatedAt, count, list, layout, lastChange}`,
 *   small, changed only by CAS (index-commit.ts);
 * - segment lists `index/lists/<id>.json` `[[segment id, count, first filename, first location], …]`;
 * - segments `index/segments/<id>.json` `[entry, …]` (≤ layout.max, createrepo_c order);
 * - large change records `index/changes/<id>.json` (a head's lastChange past 64 packages).
 *
 * Lists, segments and change blobs are immutable and named by the sha256 of their bytes, so they
 * are written create-only (an existing one holds the same bytes), checked against their name when
 * read, and cached per process without any invalidation.
 */
import { sha256Hex } from '../auth/crypto.js';
import { BerthError } from '../core/errors.js';
import type { BlobStore } from '../storage/blob-store.js';
import { isStorageError } from '../storage/errors.js';
import { indexKey, indexObjectKey, type IndexObjectKind } from '../storage/keys.js';
import { isChangeRecord, type ChangeRecord } from './change-log.js';
import { canonicalEntry, isIndexEntry, type EntryKey, type IndexEntry } from './index-entry.js';
import { normalLayout, type IndexLayout } from './index-layout.js';
import { cachePerStore } from './object-cache.js';
import { drainExact, readBytes } from './read-bytes.js';

export class CorruptIndexError extends BerthError {
  override name = 'CorruptIndexError';
  static readonly CODE = 'corrupt_index';
  constructor(key: string, why: string) {
    super(CorruptIndexError.CODE, `index ${key} is not a valid index: ${why}`);
  }
}

export interface SegmentRef {
  id: string;
  count: number;
  /** Sort key of the segment's first entry. */
  first: EntryKey;
}

export interface IndexHead {
  /** Incremented by every commit; 0 for a repo that never had a package. */
  revision: number;
  /** Seconds of the last change (repomd `<timestamp>` of the generation built from it). */
  updatedAt: number;
  /** Packages in the index. */
  count: number;
  /** Id of the segment list; null when the index is empty. */
  list: string | null;
  layout: IndexLayout;
  /** What this revision added and removed: inline, or the id of a change blob. */
  lastChange?: ChangeRecord | { ref: string };
}

/** What index.json holds: the head, a head in the former one-blob layout, or nothing. */
export type StoredHead =
  | { kind: 'head'; head: IndexHead; etag: string }
  | { kind: 'legacy'; revision: number; updatedAt: number; packages: IndexEntry[]; lastChange?: ChangeRecord; etag: string }
  | { kind: 'none' };

export const INLINE_CHANGE_MAX = 64;
/** Bytes of parsed index objects a process keeps (an estimate: twice their JSON). */
export const OBJECT_CACHE_BYTES = 16 * 1024 * 1024;
export const objectCache = cachePerStore<BlobStore>(OBJECT_CACHE_BYTES);

export function emptyHead(layout?: Partial<IndexLayout>): IndexHead {
  return { revision: 0, updatedAt: 0, count: 0, list: null, layout: normalLayout(layout) };
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

async function readWithEtag(store: BlobStore, key: string): Promise<{ bytes: Uint8Array; etag: string } | null> {
  const obj = await store.get(key);
  if (!obj) return null;
  return { bytes: await drainExact(obj, key), etag: obj.etag };
}

function parse(key: string, bytes: Uint8Array): unknown {
  try {
    return JSON.parse(decoder.decode(bytes)) as unknown;
  } catch (e) {
    throw new CorruptIndexError(key, e instanceof Error ? e.message : String(e));
  }
}

export async function readStoredHead(store: BlobStore, tenant: string, repo: string): Promise<StoredHead> {
  const key = indexKey(tenant, repo);
  const got = await readWithEtag(store, key);
  if (!got) return { kind: 'none' };
  const v = parse(key, got.bytes) as Record<string, unknown> | null;
  if (!v || typeof v['revision'] !== 'number') throw new CorruptIndexError(key, 'no revision');
  const updatedAt = typeof v['updatedAt'] === 'number' ? v['updatedAt'] : 0;
  const change = v['lastChange'];
  if (v['format'] === 2) {
    const list = v['list'];
    if (list !== null && (typeof list !== 'string' || !/^[0-9a-f]{64}$/.test(list))) throw new CorruptIndexError(key, 'bad list id');
    const head: IndexHead = {
      revision: v['revision'], updatedAt, count: typeof v['count'] === 'number' ? v['count'] : 0, list,
      layout: normalLayout(v['layout'] as Partial<IndexLayout> | undefined),
    };
    if (isChangeRecord(change) && change.revision === head.revision) head.lastChange = change;
    else if (change && typeof (change as { ref?: unknown }).ref === 'string') head.lastChange = { ref: (change as { ref: string }).ref };
    return { kind: 'head', head, etag: got.etag };
  }
  if (!Array.isArray(v['packages'])) throw new CorruptIndexError(key, 'neither a head nor a package list');
  const legacy: StoredHead = { kind: 'legacy', revision: v['revision'], updatedAt, packages: v['packages'] as IndexEntry[], etag: got.etag };
  if (isChangeRecord(change) && change.revision === v['revision']) legacy.lastChange = change;
  return legacy;
}

export function encodeHead(head: IndexHead): Uint8Array {
  const { revision, updatedAt, count, list, layout, lastChange } = head;
  return encoder.encode(JSON.stringify({ format: 2, revision, updatedAt, count, list, layout, ...(lastChange ? { lastChange } : {}) }));
}

export interface EncodedObject {
  kind: IndexObjectKind;
  id: string;
  bytes: Uint8Array;
  /** The value as reading `bytes` back would give it (cached on write: never parsed again). */
  value: unknown;
}

async function named(kind: IndexObjectKind, json: string, value: unknown): Promise<EncodedObject> {
  const bytes = encoder.encode(json);
  return { kind, id: await sha256Hex(bytes), bytes, value };
}

/**
 * Entries as segments hold them (canonical field order) with their JSON, per entry object: a
 * commit re-encodes the segment it changed, and every entry but the new ones is an object that
 * was encoded (or read) before — its JSON is reused, not made again. Entries are never mutated.
 */
const encoded = new WeakMap<IndexEntry, { canonical: IndexEntry; json: string }>();

function encodedEntry(e: IndexEntry): { canonical: IndexEntry; json: string } {
  let got = encoded.get(e);
  if (!got) {
    const canonical = canonicalEntry(e);
    got = { canonical, json: JSON.stringify(canonical) };
    encoded.set(e, got);
    encoded.set(canonical, got);
  }
  return got;
}

/** A segment's bytes: the JSON array of its canonical entries (as `JSON.stringify` writes it). */
export function encodeSegment(entries: readonly IndexEntry[]): Promise<EncodedObject> {
  const parts = entries.map(encodedEntry);
  return named('segments', `[${parts.map((p) => p.json).join(',')}]`, parts.map((p) => p.canonical));
}

export function encodeList(refs: readonly SegmentRef[]): Promise<EncodedObject> {
  const value = refs.map((r): SegmentRef => ({ id: r.id, count: r.count, first: { filename: r.first.filename, location: r.first.location } }));
  return named('lists', JSON.stringify(refs.map((r) => [r.id, r.count, r.first.filename, r.first.location])), value);
}

export function encodeChange(record: ChangeRecord): Promise<EncodedObject> {
  const json = JSON.stringify(record);
  return named('changes', json, JSON.parse(json) as unknown);
}

/** Create-only: an existing object of this name holds these bytes. */
export async function writeObject(store: BlobStore, tenant: string, repo: string, obj: EncodedObject): Promise<void> {
  try {
    await store.put(indexObjectKey(tenant, repo, obj.kind, obj.id), obj.bytes, { ifNoneMatch: '*', contentType: 'application/json' });
  } catch (e) {
    if (!isStorageError(e, 'precondition_failed')) throw e;
  }
  objectCache(store).set(`${tenant}/${repo}/${obj.kind}/${obj.id}`, obj.value, obj.bytes.length * 2);
}

function decodeObject(kind: IndexObjectKind, key: string, bytes: Uint8Array): unknown {
  const v = parse(key, bytes);
  if (kind === 'lists') {
    if (!Array.isArray(v)) throw new CorruptIndexError(key, 'a segment list is an array');
    return v.map((r: unknown): SegmentRef => {
      if (!Array.isArray(r) || typeof r[0] !== 'string' || typeof r[1] !== 'number' || typeof r[2] !== 'string' || typeof r[3] !== 'string') {
        throw new CorruptIndexError(key, 'bad segment reference');
      }
      return { id: r[0], count: r[1], first: { filename: r[2], location: r[3] } };
    });
  }
  if (kind === 'segments') {
    if (!Array.isArray(v) || !v.every(isIndexEntry)) throw new CorruptIndexError(key, 'a segment is an array of entries');
    return v;
  }
  if (!isChangeRecord(v)) throw new CorruptIndexError(key, 'not a change record');
  return v;
}

async function readObject<T>(store: BlobStore, tenant: string, repo: string, kind: IndexObjectKind, id: string): Promise<T> {
  return objectCache(store).get<T>(`${tenant}/${repo}/${kind}/${id}`, async () => {
    const key = indexObjectKey(tenant, repo, kind, id);
    const bytes = await readBytes(store, key);
    if (!bytes) throw new CorruptIndexError(key, 'missing');
    if ((await sha256Hex(bytes)) !== id) throw new CorruptIndexError(key, 'content does not match its name');
    return { value: decodeObject(kind, key, bytes) as T, size: bytes.length * 2 };
  });
}

export function readList(store: BlobStore, tenant: string, repo: string, id: string | null): Promise<SegmentRef[]> {
  return id === null ? Promise.resolve([]) : readObject<SegmentRef[]>(store, tenant, repo, 'lists', id);
}

export function readSegment(store: BlobStore, tenant: string, repo: string, id: string): Promise<IndexEntry[]> {
  return readObject<IndexEntry[]>(store, tenant, repo, 'segments', id);
}

/** The head's lastChange as a record (loading a change blob when it is one). */
export async function lastChangeOf(store: BlobStore, tenant: string, repo: string, head: IndexHead): Promise<ChangeRecord | undefined> {
  const c = head.lastChange;
  if (!c) return undefined;
  if ('ref' in c) {
    const rec = await readObject<ChangeRecord>(store, tenant, repo, 'changes', c.ref).catch(() => undefined);
    return rec?.revision === head.revision ? rec : undefined;
  }
  return c;
}
