/**
 * What GC must keep in a repo (docs/service.md, GC, step 2): the objects reachable from the index
 * head and from the generations kept, and whether a package is still in either — answered by the
 * segment covering its sort key, not by reading every package.
 */
import type { Codec } from '../core/platform.js';
import type { BlobStore } from '../storage/blob-store.js';
import { chunkIdOf } from './chunk-cache.js';
import type { GenerationRecord } from './generations.js';
import { readGenerationPackages } from './generations.js';
import { keyOfLocation } from './index-entry.js';
import type { IndexHead } from './index-objects.js';
import { readList } from './index-objects.js';
import { findInList } from './index-store.js';

const CODECS: readonly Codec[] = ['gz', 'zstd'];

export interface RepoMarks {
  lists: Set<string>;
  segments: Set<string>;
  /** Chunk-cache ids (chunks and parts). */
  chunks: Set<string>;
  /** Repodata file names the kept generations list. */
  files: Set<string>;
  /** The change blob the head refers to, if any. */
  changeBlob: string | null;
  /** Segment lists in which a package counts as present (head first, then kept generations). */
  lookups: (string | null)[];
  /** Packages of kept generations from before index segments (their `.packages.json`). */
  legacy: Map<string, string>;
}

export async function markRepo(store: BlobStore, tenant: string, repo: string, head: IndexHead, kept: readonly GenerationRecord[]): Promise<RepoMarks> {
  const marks: RepoMarks = {
    lists: new Set(), segments: new Set(), chunks: new Set(), files: new Set(),
    changeBlob: head.lastChange && 'ref' in head.lastChange ? head.lastChange.ref : null, lookups: [head.list], legacy: new Map(),
  };
  // the head's list: chunks of both codecs (a regeneration from it may be in flight with either)
  const lists = new Map<string, Set<Codec>>();
  if (head.list) lists.set(head.list, new Set(CODECS));
  for (const rec of kept) {
    rec.files.forEach((f) => marks.files.add(f));
    rec.parts?.forEach((c) => marks.chunks.add(c));
    rec.chunks?.forEach((c) => marks.chunks.add(c));
    if (rec.index === undefined) {
      for (const [location, sha] of (await readGenerationPackages(store, tenant, repo, rec.revision)) ?? []) marks.legacy.set(sha, location);
      continue;
    }
    if (!rec.index) continue;
    const codecs = lists.get(rec.index) ?? new Set<Codec>();
    codecs.add(rec.codec ?? 'gz');
    lists.set(rec.index, codecs);
    if (!marks.lookups.includes(rec.index)) marks.lookups.push(rec.index);
  }
  for (const [list, codecs] of lists) {
    marks.lists.add(list);
    for (const ref of await readList(store, tenant, repo, list)) {
      marks.segments.add(ref.id);
      for (const codec of codecs) marks.chunks.add(await chunkIdOf(codec, ref.id));
    }
  }
  return marks;
}

/** Is the package with this sha256 at this location in the head or a kept generation? */
export async function inRepo(store: BlobStore, tenant: string, repo: string, marks: RepoMarks, sha256: string, location: string): Promise<boolean> {
  if (marks.legacy.has(sha256)) return true;
  const key = keyOfLocation(location);
  for (const list of marks.lookups) {
    if ((await findInList(store, tenant, repo, list, key))?.sha256 === sha256) return true;
  }
  return false;
}
