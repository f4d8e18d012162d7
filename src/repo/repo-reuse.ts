/**
 * Making a repo under a name a deleted repo (or a crashed creation) used before: the new repo
 * must not see anything of the old one. What the old repo left is deleted first, and the new
 * index starts at a revision past the old one's, so that a writer of the old repo still
 * finishing (a regeneration moving current.json, a publish or mirror committing) can never make
 * its state pass for the new repo's: regeneration and the dnf routes only ever move forward.
 */
import type { BlobStore } from '../storage/blob-store.js';
import { isStorageError } from '../storage/errors.js';
import { indexKey, metadataKeyKey, repoConfigKey, repoPrefix } from '../storage/keys.js';
import { Refusal } from './errors.js';
import { emptyHead, encodeHead, readStoredHead } from './index-objects.js';
import { sweepPrefix } from './sweep-prefix.js';

/** How far past the deleted repo's last revision a new repo of the name starts. */
export const REVISION_GAP = 1000;
/** Keys deleted by one creation before it gives up for now (409 `repo_deleting`). */
export const REUSE_BUDGET = 5000;

interface Previous {
  deleted?: { revision: number; swept: boolean };
}

/**
 * Deletes what a former repo of this name left (all but config.json; a lone metadata key of a
 * crashed creation is kept, createRepo adopts it) and returns the revision the new index starts
 * at (0 for a name never used). 409 `repo_deleting` when more is left than one request deletes.
 */
export async function clearForReuse(store: BlobStore, tenant: string, repo: string, previous: Previous | null): Promise<number> {
  const prefix = repoPrefix(tenant, repo);
  const config = repoConfigKey(tenant, repo);
  const key = metadataKeyKey(tenant, repo);
  if (previous?.deleted === undefined) {
    const found = await store.list(prefix, { limit: 3 });
    if (found.items.every((i) => i.key === config || i.key === key)) return 0;
  }
  const swept = await sweepPrefix(store, prefix, REUSE_BUDGET, (k) => k === config);
  if (!swept.complete) {
    throw new Refusal('conflict', 'repo_deleting', `the former repo ${tenant}/${repo} is still being deleted: try again shortly`, {}, 30);
  }
  return previous?.deleted === undefined ? 0 : previous.deleted.revision + REVISION_GAP;
}

/** An empty index head at `revision` (replacing one a late writer of the old repo put there). */
export async function startIndexAt(store: BlobStore, tenant: string, repo: string, revision: number): Promise<void> {
  const head = encodeHead({ ...emptyHead(), revision });
  for (let attempt = 0; attempt < 8; attempt++) {
    const stored = await readStoredHead(store, tenant, repo);
    if (stored.kind === 'head' && stored.head.revision >= revision) return;
    try {
      await store.put(indexKey(tenant, repo), head, {
        contentType: 'application/json', ...(stored.kind === 'none' ? { ifNoneMatch: '*' as const } : { ifMatch: stored.etag }),
      });
      return;
    } catch (e) {
      if (!isStorageError(e, 'precondition_failed')) throw e;
    }
  }
}
