/**
 * Deleting a repo (docs/service.md, Deleting): crash-safe and in slices. The first step is one
 * compare-and-swap that turns config.json into a tombstone — from then on every route, the dnf
 * paths and publishing treat the repo as missing, so a half-deleted repo is never served as a
 * valid one. Then everything under the repo's prefix goes (packages' index, fragments, chunks,
 * generations, repodata, change log, mirror configuration and state, the metadata key), a
 * bounded number of keys per call: the deleting request does what it can, repeating the delete
 * or the next GC pass continues. The package blobs are the tenant's (shared by its repos): GC
 * removes those no repo holds any more. The tombstone itself stays (a few hundred bytes): it
 * records the index revision the repo reached, past which a repo made again under the name
 * starts (repo-reuse.ts).
 */
import type { BlobStore } from '../storage/blob-store.js';
import { isStorageError } from '../storage/errors.js';
import { writeJson } from '../storage/json-blob.js';
import { mirrorRegistryKey, repoConfigKey, repoPrefix, repoRegistryKey, repoRegistryPrefix } from '../storage/keys.js';
import { listAll } from '../storage/blob-store.js';
import { notFound } from './errors.js';
import { readHead } from './index-store.js';
import { isTombstone, readRepoRecord, type RepoConfig, type RepoTombstone } from './repos.js';
import { sweepPrefix } from './sweep-prefix.js';

/** Keys one deleting request removes before it answers "still deleting" (GC and a repeated delete go on). */
export const DELETE_BUDGET = 5000;

export interface RepoDeletion {
  /** The config the repo had (null when an earlier, unfinished delete already tombstoned it). */
  config: RepoConfig | null;
  /** Packages the repo held when it was deleted. */
  packages: number;
  /** Everything of the repo is gone (else GC or a repeated delete finishes). */
  complete: boolean;
  /** Keys deleted by this call. */
  deleted: number;
}

/**
 * Tombstones the repo (404 when there is none, or its deletion has finished) and deletes up to
 * `budget` of its keys. Repeating it on an unfinished deletion continues the sweep.
 */
export async function deleteRepo(store: BlobStore, tenant: string, repo: string, actor: string, now: Date, budget = DELETE_BUDGET): Promise<RepoDeletion> {
  let config: RepoConfig | null = null;
  let packages = 0;
  for (let attempt = 0; ; attempt++) {
    const rec = await readRepoRecord(store, tenant, repo);
    if (!rec || (isTombstone(rec.value) && rec.value.deleted.swept)) throw notFound(tenant, repo);
    if (isTombstone(rec.value)) break;
    const { head } = await readHead(store, tenant, repo);
    const tomb: RepoTombstone = {
      tenant, name: repo, createdAt: rec.value.createdAt, deleted: { at: now.toISOString(), actor, revision: head.revision, swept: false },
    };
    try {
      await writeJson(store, repoConfigKey(tenant, repo), tomb, { ifMatch: rec.etag });
      config = rec.value;
      packages = head.count;
      break;
    } catch (e) {
      // the config changed meanwhile (an update): read it again
      if (!isStorageError(e, 'precondition_failed') || attempt >= 16) throw e;
    }
  }
  // outside the repo's prefix: the scheduler's list of mirrors
  await store.delete(mirrorRegistryKey(tenant, repo));
  const swept = await finishRepo(store, tenant, repo, budget);
  return { config, packages, complete: swept.complete, deleted: swept.deleted };
}

/** One slice of a tombstoned repo's sweep; marks the tombstone swept when nothing is left. */
async function finishRepo(store: BlobStore, tenant: string, repo: string, budget: number): Promise<{ complete: boolean; deleted: number }> {
  const configKey = repoConfigKey(tenant, repo);
  const swept = await sweepPrefix(store, repoPrefix(tenant, repo), budget, (k) => k === configKey);
  if (!swept.complete) return swept;
  const rec = await readRepoRecord(store, tenant, repo);
  if (rec && isTombstone(rec.value) && !rec.value.deleted.swept) {
    await writeJson(store, configKey, { ...rec.value, deleted: { ...rec.value.deleted, swept: true } } satisfies RepoTombstone, { ifMatch: rec.etag })
      .catch((e: unknown) => {
        if (!isStorageError(e, 'precondition_failed')) throw e;
      });
  }
  // listed no more (listRepos reads the registry)
  await store.delete(repoRegistryKey(tenant, repo));
  return swept;
}

/**
 * GC's part: the repos of `tenant` whose deletion did not finish, each continued by up to
 * `budget` keys in all. Returns the keys deleted.
 */
export async function finishRepoDeletions(store: BlobStore, tenant: string, budget = DELETE_BUDGET): Promise<number> {
  const prefix = repoRegistryPrefix(tenant);
  let deleted = 0;
  for await (const item of listAll(store, prefix)) {
    if (deleted >= budget) break;
    const name = /^([a-z0-9-]+)\.json$/.exec(item.key.slice(prefix.length))?.[1];
    if (name === undefined) continue;
    const rec = await readRepoRecord(store, tenant, name);
    if (!rec || !isTombstone(rec.value)) continue;
    deleted += (await finishRepo(store, tenant, name, budget - deleted)).deleted;
  }
  return deleted;
}
