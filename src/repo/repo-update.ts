/**
 * Changing a repo's settings: visibility, whether unsigned packages are accepted, its
 * description. One compare-and-swap of config.json (a concurrent change is read again and the
 * patch applied to it); what changed is returned for the audit log. Packages already published
 * stay as they are: `allowUnsigned: false` refuses unsigned packages from the next publish on.
 */
import type { BlobStore } from '../storage/blob-store.js';
import { isStorageError } from '../storage/errors.js';
import { writeJson } from '../storage/json-blob.js';
import { repoConfigKey } from '../storage/keys.js';
import { notFound } from './errors.js';
import { isTombstone, readRepoRecord, type RepoConfig } from './repos.js';

export interface RepoPatch {
  public?: boolean;
  allowUnsigned?: boolean;
  /** Empty string or null removes it. */
  description?: string | null;
}

export interface RepoUpdate {
  before: RepoConfig;
  after: RepoConfig;
  /** Field → [old, new] of what actually changed. */
  changed: Record<string, [unknown, unknown]>;
}

export async function updateRepo(store: BlobStore, tenant: string, repo: string, patch: RepoPatch): Promise<RepoUpdate> {
  for (let attempt = 0; ; attempt++) {
    const rec = await readRepoRecord(store, tenant, repo);
    if (!rec || isTombstone(rec.value)) throw notFound(tenant, repo);
    const before = rec.value;
    const { description: _old, ...rest } = before;
    const description = patch.description === undefined ? before.description : patch.description || undefined;
    const after: RepoConfig = {
      ...rest,
      public: patch.public ?? before.public,
      allowUnsigned: patch.allowUnsigned ?? before.allowUnsigned,
      ...(description !== undefined ? { description } : {}),
    };
    const changed: Record<string, [unknown, unknown]> = {};
    for (const k of ['public', 'allowUnsigned', 'description'] as const) {
      if (before[k] !== after[k]) changed[k] = [before[k] ?? null, after[k] ?? null];
    }
    if (Object.keys(changed).length === 0) return { before, after: before, changed };
    try {
      await writeJson(store, repoConfigKey(tenant, repo), after, { ifMatch: rec.etag });
      return { before, after, changed };
    } catch (e) {
      if (!isStorageError(e, 'precondition_failed') || attempt >= 16) throw e;
    }
  }
}
