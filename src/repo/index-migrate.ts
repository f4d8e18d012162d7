/**
 * Migration of an index in the former one-blob layout (`index.json` = `{revision, updatedAt,
 * packages: […], lastChange}`) to a head with segments (docs/service.md, Index): the entries are
 * sorted, cut by the segment rule, written create-only with their list, and the head replaces the
 * old blob by CAS with the same revision, time and lastChange. Nothing is lost: a concurrent
 * writer that changed the old blob first makes the CAS fail, and the caller reads again.
 */
import type { BlobStore } from '../storage/blob-store.js';
import { canonicalEntry, compareKeys } from './index-entry.js';
import { cutRun, DEFAULT_LAYOUT } from './index-layout.js';
import {
  encodeChange, encodeList, encodeSegment, INLINE_CHANGE_MAX, writeObject, type EncodedObject, type IndexHead,
  type SegmentRef, type StoredHead,
} from './index-objects.js';
import { isStorageError } from '../storage/errors.js';
import { indexKey } from '../storage/keys.js';
import { encodeHead } from './index-objects.js';

type Legacy = Extract<StoredHead, { kind: 'legacy' }>;

/** The migrated head and its ETag, or null when the old blob changed meanwhile (read again). */
export async function migrateLegacy(store: BlobStore, tenant: string, repo: string, legacy: Legacy): Promise<{ head: IndexHead; etag: string } | null> {
  const layout = DEFAULT_LAYOUT;
  const entries = legacy.packages.map(canonicalEntry).sort(compareKeys);
  const refs: SegmentRef[] = [];
  const write = async (o: EncodedObject): Promise<void> => writeObject(store, tenant, repo, o);
  const pending: Promise<void>[] = [];
  for (const piece of cutRun(entries, layout)) {
    const seg = await encodeSegment(piece);
    refs.push({ id: seg.id, count: piece.length, first: { filename: piece[0]!.filename, location: piece[0]!.location } });
    pending.push(write(seg));
    if (pending.length >= 16) await Promise.all(pending.splice(0));
  }
  await Promise.all(pending);
  const head: IndexHead = { revision: legacy.revision, updatedAt: legacy.updatedAt, count: entries.length, list: null, layout };
  if (refs.length > 0) {
    const list = await encodeList(refs);
    await write(list);
    head.list = list.id;
  }
  const change = legacy.lastChange;
  if (change) {
    if (change.added.length + change.removed.length <= INLINE_CHANGE_MAX) head.lastChange = change;
    else {
      const blob = await encodeChange(change);
      await write(blob);
      head.lastChange = { ref: blob.id };
    }
  }
  try {
    const { etag } = await store.put(indexKey(tenant, repo), encodeHead(head), { contentType: 'application/json', ifMatch: legacy.etag });
    return { head, etag };
  } catch (e) {
    if (!isStorageError(e, 'precondition_failed')) throw e;
    return null;
  }
}
