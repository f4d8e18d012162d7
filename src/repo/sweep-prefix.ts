/**
 * Deleting everything under a key prefix, a bounded number of keys per call: what deleting a
 * repo or a tenant costs is proportional to what it holds, so it runs in slices (the request
 * that deletes, then GC passes) and every slice leaves a state the next one continues from.
 */
import type { BlobStore } from '../storage/blob-store.js';

export interface SweepResult {
  deleted: number;
  /** Nothing but kept keys is left under the prefix. */
  complete: boolean;
}

/** Deletes in flight at once. */
const PARALLEL = 16;

/**
 * Deletes up to `budget` keys under `prefix`, except those `keep` spares (they are listed
 * again by every call, so keep them few).
 */
export async function sweepPrefix(store: BlobStore, prefix: string, budget: number, keep: (key: string) => boolean = () => false): Promise<SweepResult> {
  let deleted = 0;
  let cursor: string | undefined;
  do {
    const page = await store.list(prefix, { limit: 1000, ...(cursor ? { cursor } : {}) });
    const doomed = page.items.map((i) => i.key).filter((k) => !keep(k));
    for (let i = 0; i < doomed.length; i += PARALLEL) {
      if (deleted >= budget) return { deleted, complete: false };
      const batch = doomed.slice(i, Math.min(i + PARALLEL, i + budget - deleted));
      await Promise.all(batch.map((k) => store.delete(k)));
      deleted += batch.length;
    }
    cursor = page.cursor;
  } while (cursor !== undefined);
  return { deleted, complete: true };
}
