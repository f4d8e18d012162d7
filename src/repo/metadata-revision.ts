/**
 * A new index revision that changes no package: what an advisory, comps or modules upload commits
 * so the repo's metadata is regenerated (a generation is built per index revision) and the change
 * appears in the changes feed (`metadata`: the repomd types that changed). The head keeps its
 * segment list; only its revision, time and lastChange move, by the same compare-and-swap as
 * every index writer, so concurrent publishes and this never lose each other's changes.
 */
import type { BlobStore } from '../storage/blob-store.js';
import { afterCommit, contention, loadHead, nextHead, swapHead } from './index-commit.js';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Commits revision R+1 with the same packages; returns R+1. */
export async function commitMetadataChange(store: BlobStore, tenant: string, repo: string, now: () => Date, types: readonly string[], maxAttempts = 64): Promise<number> {
  for (let attempt = 1; attempt <= maxAttempts; attempt++) {
    const { head, etag } = await loadHead(store, tenant, repo);
    const { next, record } = await nextHead(store, tenant, repo, head, now,
      (revision, at) => ({ revision, at, added: [], removed: [], metadata: [...types].sort() }), head.count, head.list);
    if (await swapHead(store, tenant, repo, next, etag)) {
      await afterCommit(store, tenant, repo, head, record);
      return next.revision;
    }
    await sleep(Math.random() * Math.min(250, 4 * 2 ** Math.min(attempt, 16)));
  }
  throw contention(tenant, repo, maxAttempts);
}
