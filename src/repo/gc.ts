/**
 * Garbage collection (docs/service.md, GC). A pass never lists a tenant's whole key space:
 * tenants come from `tenants/`, their repos from the registry, and per repo only small prefixes
 * are listed whole; the large ones are swept a bounded slice per pass and removed packages are
 * found through the change log (gc-repo.ts). Per tenant: package blobs no repo holds
 * (gc-blobs.ts). Globally: stale uploads and the store's own crash residue.
 *
 * "Superseded at" is when the next generation was written, not when the old one was: a client
 * that fetched repomd.xml just before a swap keeps `retention` to fetch the files it names,
 * however old that generation was. Anything written in the last 24 h is spared regardless, so
 * GC never races a publish or regeneration that has stored files but not yet referenced them.
 */
import type { Logger } from '../core/logger.js';
import type { BlobStore } from '../storage/blob-store.js';
import { listAll } from '../storage/blob-store.js';
import { UPLOADS_PREFIX } from '../storage/keys.js';
import { collectBlobs, type MarkedRepo } from './gc-blobs.js';
import { sweepLogins } from './gc-logins.js';
import { collectRepo, type Cutoffs } from './gc-repo.js';
import { PER_REVISION } from './gc-sweep.js';
import { listRepos } from './repos.js';
import { finishDeletions } from './tenant-delete.js';
import { addUsage } from './usage.js';
import { tenantNames } from './tenants.js';

export interface GcDeps {
  store: BlobStore;
  logger: Logger;
  config: { retentionSeconds: number };
}

export interface GcReport {
  generations: number;
  repodataFiles: number;
  fragments: number;
  /** Chunk-cache entries no retained generation was assembled from. */
  chunks: number;
  /** Index segments, segment lists and change blobs neither the head nor a kept generation reaches. */
  indexObjects: number;
  blobs: number;
  uploads: number;
  /** Residue of interrupted writes inside the store driver (fs temp files), see sweepTemporary. */
  temporary: number;
  /** Browse-page logins past their lifetime (src/auth/sessions.ts), a bounded slice per pass. */
  sessions: number;
  /** Keys of deleted repos and tenants whose deleting request left them for GC. */
  deleted: number;
}

/**
 * Change log entries (docs/sync.md) older than this go; an appliance that has not synced for
 * longer gets `complete: false` and does a full sync. The newest entry always stays.
 */
export const CHANGE_LOG_SECONDS = 90 * 24 * 3600;

/** In-flight work (uploads, staged files, unreferenced new blobs) gets this long. */
export const GRACE_SECONDS = 24 * 3600;

export async function collectGarbage(deps: GcDeps, now: Date): Promise<GcReport> {
  const report: GcReport = { generations: 0, repodataFiles: 0, fragments: 0, chunks: 0, indexObjects: 0, blobs: 0, uploads: 0, temporary: 0, sessions: 0, deleted: 0 };
  const t = now.getTime();
  const cut: Cutoffs = {
    now: t, retention: t - deps.config.retentionSeconds * 1000, grace: t - GRACE_SECONDS * 1000, changeLog: t - CHANGE_LOG_SECONDS * 1000,
  };
  const del = async (key: string): Promise<void> => {
    await deps.store.delete(key);
  };

  for await (const tenant of tenantNames(deps.store)) {
    // Deletions a request left unfinished (repo-delete.ts, tenant-delete.ts) go on here.
    const deleted = await finishDeletions(deps.store, tenant);
    report.deleted += deleted.keys;
    if (deleted.tenantGone) continue;
    const marked: MarkedRepo[] = [];
    const candidates: string[] = [];
    let complete = true;
    for (const { name } of await listRepos(deps.store, tenant)) {
      try {
        const r = await collectRepo(deps.store, tenant, name, cut, del);
        for (const k of ['generations', 'repodataFiles', 'fragments', 'chunks', 'indexObjects'] as const) report[k] += r.report[k];
        candidates.push(...r.candidates);
        marked.push({ name, marks: r.marks });
      } catch (e) {
        // one damaged repo must not stop GC of the others; its blobs are not judged this pass
        complete = false;
        deps.logger.error('gc of a repo failed', { tenant, repo: name, error: String(e) });
      }
    }
    // a deleted blob frees its bytes from the tenant's usage (repo/usage.ts)
    const delBlob = async (key: string): Promise<void> => {
      const size = (await deps.store.head(key))?.size;
      await del(key);
      if (size !== undefined) await addUsage(deps.store, tenant, -size);
    };
    if (complete) report.blobs += await collectBlobs(deps.store, tenant, marked, candidates, cut.grace, PER_REVISION * candidates.length, delBlob);
  }
  for await (const item of listAll(deps.store, UPLOADS_PREFIX)) {
    if (item.lastModified.getTime() < cut.grace) {
      await del(item.key);
      report.uploads++;
    }
  }
  report.temporary = await sweepTemporary(deps.store, now);
  report.sessions = await sweepLogins(deps.store, now);
  deps.logger.info('gc done', { ...report });
  return report;
}

/**
 * What interrupted writes left inside the store driver and nothing lists — the fs store's temp
 * files after a crash, partial uploads up to the upload limit among them — once older than the
 * grace period. One call to the driver, which reads only its own temp area (never a tenant's
 * keys); drivers without such residue have no sweep.
 */
export async function sweepTemporary(store: BlobStore, now: Date): Promise<number> {
  return (await store.sweepTemporary?.(new Date(now.getTime() - GRACE_SECONDS * 1000))) ?? 0;
}
