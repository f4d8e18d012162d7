/**
 * Reading a run of a repo index by file-name prefix (docs/service.md, Index): segments are in
 * createrepo_c order (file name first), so every package whose file name starts with a prefix —
 * every version of one name among them — lies in one contiguous run of segments. Only the
 * segments of that run are read: what retention examines after a publish costs what the name
 * holds, not what the repo holds.
 */
import type { BlobStore } from '../storage/blob-store.js';
import { packagePlacement, type IndexEntry } from './index-entry.js';
import { coveringSegment } from './index-store.js';
import { readList, readSegment, type SegmentRef } from './index-objects.js';

/** Every entry of the index named by `list` whose file name starts with `prefix`, in order. */
export async function* entriesWithPrefix(store: BlobStore, tenant: string, repo: string, list: string | null, prefix: string): AsyncGenerator<IndexEntry> {
  const refs = await readList(store, tenant, repo, list);
  let i = coveringSegment(refs, { filename: prefix, location: '' });
  if (i < 0) return;
  for (; i < refs.length; i++) {
    const ref = refs[i] as SegmentRef;
    // a later segment starting past the prefix's run holds none of it
    if (ref.first.filename > prefix && !ref.first.filename.startsWith(prefix)) return;
    for (const e of await readSegment(store, tenant, repo, ref.id)) {
      if (e.filename.startsWith(prefix)) yield e;
      else if (e.filename > prefix) return;
    }
  }
}

/** The file-name prefix every version of `name` has in Berth's placement (`<name>-`, sanitised). */
export function namePrefix(name: string): string {
  const { filename } = packagePlacement({ name, version: '', release: '', arch: '' });
  // `<name>--..rpm` (empty version, release and arch) → `<name>-`
  return filename.slice(0, -'-..rpm'.length);
}

/** Every version of `name` (any arch) in the index named by `list`. */
export async function versionsOf(store: BlobStore, tenant: string, repo: string, list: string | null, name: string): Promise<IndexEntry[]> {
  const out: IndexEntry[] = [];
  for await (const e of entriesWithPrefix(store, tenant, repo, list, namePrefix(name))) if (e.name === name) out.push(e);
  return out;
}
