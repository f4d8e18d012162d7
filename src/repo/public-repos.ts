/**
 * The listing of public repos: `public-repos/<tenant>/<repo>.json` `{tenant, name, createdAt}`,
 * written when a repo is created public (visibility never changes afterwards). The browse pages
 * list public repos from these markers alone, so what an anonymous visitor (or another tenant)
 * is shown, and the work behind it, is the same whether a tenant has private repos or none, or
 * does not exist: one listing of a prefix that holds only public repos.
 *
 * Repos created before the markers existed get theirs once: the first listing that finds no
 * `public-repos.json` walks every tenant's repos, writes the missing markers, then that file.
 */
import type { BlobStore } from '../storage/blob-store.js';
import { readJson, writeJson } from '../storage/json-blob.js';
import { publicRepoKey, publicReposCompleteKey, publicReposPrefix } from '../storage/keys.js';
import { listRepos, type RepoConfig } from './repos.js';
import { tenantNames } from './tenants.js';

export interface PublicRepo {
  tenant: string;
  name: string;
  createdAt: string;
}

export async function writePublicRepoMarker(store: BlobStore, repo: Pick<RepoConfig, 'tenant' | 'name' | 'createdAt'>): Promise<void> {
  await writeJson(store, publicRepoKey(repo.tenant, repo.name), { tenant: repo.tenant, name: repo.name, createdAt: repo.createdAt } satisfies PublicRepo);
}

let backfilled: WeakSet<BlobStore> = new WeakSet();

/** Writes the markers of public repos created before markers existed (once per store). */
export async function ensurePublicRepoMarkers(store: BlobStore): Promise<void> {
  if (backfilled.has(store)) return;
  if (!(await store.head(publicReposCompleteKey()))) {
    for await (const tenant of tenantNames(store)) {
      for (const repo of await listRepos(store, tenant)) {
        if (repo.public && !(await store.head(publicRepoKey(tenant, repo.name)))) await writePublicRepoMarker(store, repo);
      }
    }
    await writeJson(store, publicReposCompleteKey(), { complete: true });
  }
  backfilled.add(store);
}

/** For tests: forget which stores were checked. */
export function resetPublicRepoBackfill(): void {
  backfilled = new WeakSet();
}

export interface PublicRepoPage {
  repos: PublicRepo[];
  /** The store's cursor for the next page; absent on the last page. */
  next?: string;
}

const MARKER = /^([a-z0-9-]+)\/([a-z0-9-]+)\.json$/;

/**
 * One page of public repos in `tenant/name` order, of one tenant or of all: one listing call of
 * at most `limit` markers (the store's page, so never the whole prefix), never a repo config.
 * `cursor` is the previous page's `next` (opaque, the store's own).
 */
export async function listPublicRepos(store: BlobStore, opts: { tenant?: string; cursor?: string; limit: number }): Promise<PublicRepoPage> {
  await ensurePublicRepoMarkers(store);
  const root = publicReposPrefix();
  const page = await store.list(publicReposPrefix(opts.tenant), { limit: opts.limit, ...(opts.cursor ? { cursor: opts.cursor } : {}) });
  const repos: PublicRepo[] = [];
  for (const item of page.items) {
    const m = MARKER.exec(item.key.slice(root.length));
    if (m) repos.push({ tenant: m[1]!, name: m[2]!, createdAt: item.lastModified.toISOString() });
  }
  return page.cursor === undefined ? { repos } : { repos, next: page.cursor };
}

/** One marker (null: not a public repo, or none). */
export async function readPublicRepo(store: BlobStore, tenant: string, repo: string): Promise<PublicRepo | null> {
  return (await readJson<PublicRepo>(store, publicRepoKey(tenant, repo)))?.value ?? null;
}
