/**
 * Reading a window of a repo's index for people (the browse pages): a page of packages after or
 * before a sort key, within a file-name range (a name search, a directory of `Packages/`), and
 * the first characters of the file names present. Every call reads the head, the (cached)
 * segment list and only the segments the window covers — at most `maxSegments` of them, so a
 * request's work is bounded whatever the repo's size; a window cut short says where to go on.
 */
import type { BlobStore } from '../storage/blob-store.js';
import { compareKeys, type EntryKey, type IndexEntry } from './index-entry.js';
import { coveringSegment, readHead } from './index-store.js';
import { readList, readSegment, type SegmentRef } from './index-objects.js';

export interface BrowseRange {
  /** File names that sort from here (inclusive)… */
  from?: string;
  /** …to here (exclusive). */
  to?: string;
}

export interface BrowseQuery {
  /** File-name ranges, in ascending order, not overlapping (the gaps between them are not read). Default: everything. */
  ranges?: readonly BrowseRange[];
  /** Entries to keep within the ranges (default: all). */
  keep?: (e: IndexEntry) => boolean;
  /** Entries strictly after this key (forward) … */
  after?: EntryKey;
  /** … or strictly before it (backward; the page is still returned in ascending order). */
  before?: EntryKey;
  limit: number;
  /** Segments read at most (default 8). */
  maxSegments?: number;
}

export interface BrowsePage {
  entries: IndexEntry[];
  /** More entries may follow the page (pass the last entry's key as `after`). */
  more: boolean;
  /** More entries may precede it (pass the first entry's key as `before`). */
  earlier: boolean;
  /**
   * The scan stopped at its segment budget before filling the page: continue `after` this key
   * (forward) or `before` it (backward). Absent when the page ended for another reason.
   */
  resumeAt?: EntryKey;
  revision: number;
  count: number;
}

const minKey = (filename: string): EntryKey => ({ filename, location: '' });

export async function browseIndex(store: BlobStore, tenant: string, repo: string, q: BrowseQuery): Promise<BrowsePage> {
  const { head } = await readHead(store, tenant, repo);
  const refs = await readList(store, tenant, repo, head.list);
  const ranges: readonly BrowseRange[] = q.ranges && q.ranges.length > 0 ? q.ranges : [{}];
  const keep = q.keep ?? (() => true);
  const budget = q.maxSegments ?? 8;
  const base = { revision: head.revision, count: head.count };
  if (refs.length === 0) return { entries: [], more: false, earlier: false, ...base };
  const out: IndexEntry[] = [];
  let read = 0;
  let last: IndexEntry | undefined;
  const segment = (i: number): Promise<IndexEntry[]> => {
    read++;
    return readSegment(store, tenant, repo, (refs[i] as SegmentRef).id);
  };

  if (q.before) {
    const before = q.before;
    // each range on its own, last first: the gaps between them are never read
    for (const range of [...ranges].reverse()) {
      if (range.from !== undefined && compareKeys(before, minKey(range.from)) <= 0) continue;
      const top = range.to !== undefined && compareKeys(before, minKey(range.to)) > 0 ? minKey(range.to) : before;
      for (let i = coveringSegment(refs, top); i >= 0; i--) {
        if (out.length > q.limit) return finishBackward(out, q.limit, base);
        if (read === budget) return { entries: out.reverse(), more: true, earlier: true, resumeAt: last ?? top, ...base };
        const seg = await segment(i);
        let done = false;
        for (let j = seg.length - 1; j >= 0 && out.length <= q.limit; j--) {
          const e = seg[j]!;
          if (compareKeys(e, top) >= 0) continue;
          if (range.from !== undefined && e.filename < range.from) {
            done = true;
            break;
          }
          last = e;
          if (keep(e)) out.push(e);
        }
        if (done) break;
      }
    }
    return finishBackward(out, q.limit, base);
  }

  for (const range of ranges) {
    if (q.after && range.to !== undefined && q.after.filename >= range.to) continue;
    const from = range.from === undefined ? q.after : q.after && compareKeys(q.after, minKey(range.from)) > 0 ? q.after : minKey(range.from);
    for (let i = from ? coveringSegment(refs, from) : 0; i < refs.length; i++) {
      if (out.length > q.limit) return finishForward(out, q, base);
      if (read === budget) return { entries: out, more: true, earlier: q.after !== undefined, resumeAt: last ?? from ?? minKey(''), ...base };
      const seg = await segment(i);
      let done = false;
      for (const e of seg) {
        if (out.length > q.limit) break;
        if (q.after && compareKeys(e, q.after) <= 0) continue;
        if (range.from !== undefined && e.filename < range.from) continue;
        if (range.to !== undefined && e.filename >= range.to) {
          done = true;
          break;
        }
        last = e;
        if (keep(e)) out.push(e);
      }
      if (done) break;
    }
  }
  return finishForward(out, q, base);
}

function finishForward(out: IndexEntry[], q: BrowseQuery, base: { revision: number; count: number }): BrowsePage {
  const more = out.length > q.limit;
  return { entries: more ? out.slice(0, q.limit) : out, more, earlier: q.after !== undefined, ...base };
}

function finishBackward(out: IndexEntry[], limit: number, base: { revision: number; count: number }): BrowsePage {
  const earlier = out.length > limit;
  const entries = (earlier ? out.slice(0, limit) : out).reverse();
  return { entries, more: true, earlier, ...base };
}

/**
 * The distinct first characters of the file names in the index, in order: one seek per
 * character found (binary search over the list, one segment each), at most `max` seeks.
 */
export async function firstCharacters(store: BlobStore, tenant: string, repo: string, max = 96): Promise<string[]> {
  const { head } = await readHead(store, tenant, repo);
  const refs = await readList(store, tenant, repo, head.list);
  const out: string[] = [];
  let from = '';
  for (let seeks = 0; seeks < max && refs.length > 0; seeks++) {
    const key = { filename: from, location: '' };
    let i = coveringSegment(refs, key);
    let found: IndexEntry | undefined;
    for (; i < refs.length && !found; i++) {
      found = (await readSegment(store, tenant, repo, (refs[i] as SegmentRef).id)).find((e) => compareKeys(e, key) >= 0);
    }
    if (!found || found.filename === '') break;
    const ch = String.fromCodePoint(found.filename.codePointAt(0)!);
    out.push(ch);
    from = String.fromCodePoint(ch.codePointAt(0)! + 1);
  }
  return out;
}
