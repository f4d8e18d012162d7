/**
 * GC's bounded walks (docs/service.md, GC): a large prefix is never listed whole in one pass; each
 * pass goes on from where the last one stopped (a cursor kept in a small state blob) for a budget
 * of keys, and starts over at the beginning once it reaches the end. Cursors are the store's own
 * (opaque); one that no longer works starts the walk over.
 */
import type { BlobStore, ListItem } from '../storage/blob-store.js';
import { readJson, writeJson } from '../storage/json-blob.js';

/** Keys a sweep looks at per pass, plus `PER_REVISION` per head revision since the last pass. */
export const SWEEP_BASE = 1000;
export const PER_REVISION = 16;

export interface RepoGcState {
  /** The head revision seen by the last pass. */
  revision: number;
  /** Change records followed through this revision (removals handled). */
  changes: number;
  /** Change records deleted through this revision (retention of the log). */
  pruned: number;
  /** Sweep cursors by prefix name; absent: start at the beginning. */
  cursors: Record<string, string>;
}

export interface TenantGcState {
  cursors: Record<string, string>;
}

export async function readState<T extends object>(store: BlobStore, key: string, empty: T): Promise<T> {
  const got = await readJson<Partial<T>>(store, key).catch(() => null);
  return got && typeof got.value === 'object' && got.value !== null ? { ...empty, ...got.value } : empty;
}

export async function writeState(store: BlobStore, key: string, state: object): Promise<void> {
  await writeJson(store, key, state);
}

/**
 * Up to `budget` items of `prefix`, from the cursor in `cursors[name]`; updates the cursor (absent
 * again once the end is reached, so the next pass starts over).
 */
export async function sweepSlice(store: BlobStore, prefix: string, cursors: Record<string, string>, name: string, budget: number): Promise<ListItem[]> {
  const out: ListItem[] = [];
  let cursor: string | undefined = cursors[name];
  while (out.length < budget) {
    let page;
    try {
      page = await store.list(prefix, { limit: Math.min(1000, Math.max(1, budget - out.length)), ...(cursor === undefined ? {} : { cursor }) });
    } catch (e) {
      if (cursor === undefined) throw e;
      cursor = undefined; // a cursor the store no longer accepts: start over
      continue;
    }
    out.push(...page.items);
    cursor = page.cursor;
    if (cursor === undefined) break;
  }
  if (cursor === undefined) delete cursors[name];
  else cursors[name] = cursor;
  return out;
}
