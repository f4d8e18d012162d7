/**
 * Deleting a tenant (operator only; docs/service.md, Deleting). Refused while the tenant has
 * repos unless forced. In order, each step visible at once and safe to repeat after a crash:
 * every repo is tombstoned (repo-delete.ts), the tenant record becomes a tombstone (every route
 * then answers 404), every token of the tenant is revoked, and then everything under `t/<t>/`
 * goes — keys, audit log, package blobs, repos — in slices, like a repo's sweep. The repos'
 * tombstones stay, so a repo made again in a tenant made again under the same names still starts
 * past the old revisions.
 */
import { revokeTenantTokens } from '../auth/tokens.js';
import type { BlobStore } from '../storage/blob-store.js';
import { isStorageError } from '../storage/errors.js';
import { writeJson } from '../storage/json-blob.js';
import { tenantKey, tenantPrefix } from '../storage/keys.js';
import { notFound, Refusal } from './errors.js';
import { deleteRepo, DELETE_BUDGET, finishRepoDeletions } from './repo-delete.js';
import { listRepos } from './repos.js';
import { sweepPrefix } from './sweep-prefix.js';
import { isTenantTombstone, readTenantRecord, type TenantTombstone } from './tenants.js';

export interface TenantDeletion {
  /** Repos the tenant had (deleted with it). */
  repos: string[];
  /** Ids of the tokens revoked (the caller drops them from its credential cache). */
  tokens: string[];
  complete: boolean;
  deleted: number;
}

/** A repo's tombstone (`t/<t>/r/<r>/config.json`): kept by the tenant's sweep. */
const REPO_TOMBSTONE = /^t\/[a-z0-9-]+\/r\/[a-z0-9-]+\/config\.json$/;

export async function deleteTenant(
  store: BlobStore, name: string, opts: { force: boolean; actor: string; now: Date; budget?: number },
): Promise<TenantDeletion> {
  const budget = opts.budget ?? DELETE_BUDGET;
  const rec = await readTenantRecord(store, name);
  if (!rec || (isTenantTombstone(rec.value) && rec.value.deleted.swept)) throw notFound(name);
  const repos: string[] = [];
  if (!isTenantTombstone(rec.value)) {
    const live = (await listRepos(store, name)).map((r) => r.name);
    if (live.length > 0 && !opts.force) {
      throw new Refusal('conflict', 'tenant_not_empty', `tenant ${name} still has ${live.length} repo(s): delete them first, or force`, { repos: live });
    }
    // tombstones only (budget 0): the tenant's sweep below removes their keys
    for (const repo of live) await deleteRepo(store, name, repo, opts.actor, opts.now, 0);
    repos.push(...live);
    const tomb: TenantTombstone = { ...rec.value, deleted: { at: opts.now.toISOString(), actor: opts.actor, swept: false } };
    try {
      await writeJson(store, tenantKey(name), tomb, { ifMatch: rec.etag });
    } catch (e) {
      if (!isStorageError(e, 'precondition_failed')) throw e;
      // deleted concurrently: continue that deletion below
    }
  }
  const tokens = await revokeTenantTokens(store, name);
  const swept = await finishTenant(store, name, budget);
  return { repos, tokens, ...swept };
}

/** One slice of a tombstoned tenant's sweep; marks the tombstone swept when nothing but repo tombstones is left. */
export async function finishTenant(store: BlobStore, name: string, budget = DELETE_BUDGET): Promise<{ complete: boolean; deleted: number }> {
  const swept = await sweepPrefix(store, tenantPrefix(name), budget, (k) => REPO_TOMBSTONE.test(k));
  if (!swept.complete) return swept;
  const rec = await readTenantRecord(store, name);
  if (rec && isTenantTombstone(rec.value) && !rec.value.deleted.swept) {
    await writeJson(store, tenantKey(name), { ...rec.value, deleted: { ...rec.value.deleted, swept: true } } satisfies TenantTombstone, { ifMatch: rec.etag })
      .catch((e: unknown) => {
        if (!isStorageError(e, 'precondition_failed')) throw e;
      });
  }
  return swept;
}

/**
 * GC's part, per tenant: a deleted tenant's sweep goes on (`tenantGone`: nothing else of it is
 * collected), else the deletions of its repos that did not finish.
 */
export async function finishDeletions(store: BlobStore, name: string, budget = DELETE_BUDGET): Promise<{ keys: number; tenantGone: boolean }> {
  const rec = await readTenantRecord(store, name);
  if (rec && isTenantTombstone(rec.value)) {
    return { keys: rec.value.deleted.swept ? 0 : (await finishTenant(store, name, budget)).deleted, tenantGone: true };
  }
  return { keys: await finishRepoDeletions(store, name, budget), tenantGone: false };
}
