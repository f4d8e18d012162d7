/**
 * One page of a repo's package list (`GET …/packages`): entries after a sort key, optionally of
 * one name and/or arch. A page reads the head, the (cached) segment list and only the segments
 * it walks — at most `maxSegments`, so a request's work is bounded whatever the repo's size; a
 * page cut short by that budget still says where to go on (`next`).
 *
 * A name filter reads only the file-name range its packages can be in: Berth names a package's
 * file `<name>-<version>-<release>.<arch>.rpm` (index-entry.ts), so every package of name N sorts
 * within [`N-`, `N.`) — '.' follows '-' in code-unit order. Files named by an upstream (complete
 * mirrors) follow no such rule: the caller then passes `nameRange: false` and the filter is
 * applied while walking.
 */
import type { BlobStore } from '../storage/blob-store.js';
import { compareKeys, type EntryKey, type IndexEntry } from './index-entry.js';
import { coveringSegment, readHead } from './index-store.js';
import { readList, readSegment, type SegmentRef } from './index-objects.js';

export interface PageQuery {
  name?: string;
  arch?: string;
  /** Entries strictly after this sort key. */
  after?: EntryKey;
  limit: number;
  /** Look for a name's packages only in its file-name range (default true). */
  nameRange?: boolean;
  /** Segments read at most (default 16: up to ~16,000 entries). */
  maxSegments?: number;
}

export interface PackagePage {
  revision: number;
  updatedAt: number;
  /** Packages in the repo (unfiltered). */
  count: number;
  packages: IndexEntry[];
  /** Where the next page starts (pass it as `after`); null when nothing follows. */
  next: EntryKey | null;
}

const UNSAFE = /[^A-Za-z0-9._+~^-]/g;

/** The file-name range every package called `name` sorts in, as Berth names files. */
export function nameRange(name: string): { from: string; to: string } {
  const stem = name.replace(UNSAFE, '_');
  return { from: `${stem}-`, to: `${stem}.` };
}

export async function readPackagePage(store: BlobStore, tenant: string, repo: string, q: PageQuery): Promise<PackagePage> {
  const { head } = await readHead(store, tenant, repo);
  const refs = await readList(store, tenant, repo, head.list);
  const base = { revision: head.revision, updatedAt: head.updatedAt, count: head.count };
  const range = q.name !== undefined && q.nameRange !== false ? nameRange(q.name) : null;
  const keep = (e: IndexEntry): boolean => (q.name === undefined || e.name === q.name) && (q.arch === undefined || e.arch === q.arch);
  let start: EntryKey | undefined = q.after;
  if (range && (start === undefined || compareKeys(start, { filename: range.from, location: '' }) < 0)) start = { filename: range.from, location: '' };
  const budget = q.maxSegments ?? 16;
  const out: IndexEntry[] = [];
  let read = 0;
  let last: EntryKey | undefined;
  for (let i = start === undefined ? 0 : Math.max(0, coveringSegment(refs, start)); i < refs.length; i++) {
    if (read === budget) return { ...base, packages: out, next: last ?? start ?? null };
    read++;
    for (const e of await readSegment(store, tenant, repo, (refs[i] as SegmentRef).id)) {
      if (q.after !== undefined && compareKeys(e, q.after) <= 0) continue;
      if (range && e.filename < range.from) continue;
      if (range && e.filename >= range.to) return { ...base, packages: out, next: null };
      if (!keep(e)) {
        last = e;
        continue;
      }
      // one more than the page holds: it proves a next page exists
      if (out.length === q.limit) return { ...base, packages: out, next: keyOf(out[out.length - 1]!) };
      out.push(e);
      last = e;
    }
  }
  return { ...base, packages: out, next: null };
}

const keyOf = (e: EntryKey): EntryKey => ({ filename: e.filename, location: e.location });

/** The cursor as the API shows it: opaque, URL-safe. */
export function encodeCursor(key: EntryKey): string {
  const bytes = new TextEncoder().encode(JSON.stringify([key.filename, key.location]));
  let bin = '';
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** The sort key of a cursor, or null when it is not one of ours. */
export function decodeCursor(text: string): EntryKey | null {
  if (!/^[A-Za-z0-9_-]{1,8192}$/.test(text)) return null;
  try {
    const bin = atob(text.replace(/-/g, '+').replace(/_/g, '/'));
    const v = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(Uint8Array.from(bin, (c) => c.charCodeAt(0)))) as unknown;
    if (!Array.isArray(v) || v.length !== 2 || typeof v[0] !== 'string' || typeof v[1] !== 'string') return null;
    return { filename: v[0], location: v[1] };
  } catch {
    return null;
  }
}
