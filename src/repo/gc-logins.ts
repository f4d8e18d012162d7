/**
 * GC of browse-page logins (src/auth/sessions.ts): a bounded slice of `logins/` per pass, from a
 * cursor kept in `logins-gc.json`, deleting records older than a login can live — judged from the
 * listing alone, never by reading them.
 */
import { isExpiredLogin } from '../auth/sessions.js';
import type { BlobStore } from '../storage/blob-store.js';
import { LOGINS_PREFIX, loginsGcStateKey } from '../storage/keys.js';
import { readState, sweepSlice, SWEEP_BASE, writeState } from './gc-sweep.js';

export async function sweepLogins(store: BlobStore, now: Date, budget = SWEEP_BASE): Promise<number> {
  const state = await readState<{ cursors: Record<string, string> }>(store, loginsGcStateKey(), { cursors: {} });
  let removed = 0;
  for (const item of await sweepSlice(store, LOGINS_PREFIX, state.cursors, 'logins', budget)) {
    if (isExpiredLogin(item.lastModified, now) && (await store.delete(item.key))) removed++;
  }
  await writeState(store, loginsGcStateKey(), state);
  return removed;
}
