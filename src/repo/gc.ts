/**
 * Garbage collection (docs/service.md, GC). Per repo: generation records superseded more than
 * the retention window ago go (never the current one, never one newer than current — that is a
 * regeneration in flight); then repodata files and chunk-cache entries no remaining generation
 * lists. Per tenant:
 * package blobs no index and no remaining generation lists. Globally: stale uploads.
 *
 * "Superseded at" is when the next generation was written, not when the old one was: a client
 * that fetched repomd.xml just before a swap keeps `retention` to fetch the files it names,
 * however old that generation was. Anything written in the last 24 h is spared regardless, so
 * GC never races a publish or regeneration that has stored files but not yet referenced them.
 */
import type { Logger } from '../core/logger.js';
import type { BlobStore, ListItem } from '../storage/blob-store.js';
import { listAll } from '../storage/blob-store.js';
import { UPLOADS_PREFIX, tenantPrefix } from '../storage/keys.js';
import { readCurrent, readGenerationAt, readGenerationPackages } from './generations.js';
import { listEntries, readHead, readIndex } from './index-store.js';
import { readList } from './index-objects.js';
import { chunkIdOf } from './chunk-cache.js';
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
  blobs: number;
  uploads: number;
  /** Residue of interrupted writes inside the store driver (fs temp files), see sweepTemporary. */
  temporary: number;
}

/**
 * Change log entries (docs/sync.md) older than this go; an appliance that has not synced for
 * longer gets `complete: false` and does a full sync. The newest entry always stays.
 */
export const CHANGE_LOG_SECONDS = 90 * 24 * 3600;

/** In-flight work (uploads, staged files, unreferenced new blobs) gets this long. */
export const GRACE_SECONDS = 24 * 3600;

const GENERATION = /^r\/([a-z0-9-]+)\/generations\/(\d{12})\.json$/;
const GENERATION_PACKAGES = /^r\/([a-z0-9-]+)\/generations\/(\d{12})\.packages\.json$/;
const REPODATA = /^r\/([a-z0-9-]+)\/repodata\/([^/]+)$/;
const CHANGE = /^r\/([a-z0-9-]+)\/changes\/(\d{12})\.json$/;
const CHUNK = /^r\/([a-z0-9-]+)\/chunks\/([0-9a-f]{64})\.[a-z]+$/;
const FRAGMENT = /^r\/([a-z0-9-]+)\/fragments\/([0-9a-f]{64})\.json$/;
const REPO_FILE = /^r\/([a-z0-9-]+)\//;
const BLOB = /^blobs\/sha256\/[0-9a-f]{2}\/([0-9a-f]{64})$/;

interface RepoKeys {
  generations: { revision: number; item: ListItem }[];
  generationPackages: Map<number, ListItem>;
  repodata: { file: string; item: ListItem }[];
  fragments: { sha256: string; item: ListItem }[];
  changes: { revision: number; item: ListItem }[];
  chunks: { id: string; item: ListItem }[];
}

function repoKeys(map: Map<string, RepoKeys>, repo: string): RepoKeys {
  let r = map.get(repo);
  if (!r) {
    r = { generations: [], generationPackages: new Map(), repodata: [], fragments: [], changes: [], chunks: [] };
    map.set(repo, r);
  }
  return r;
}

const olderThan = (item: ListItem, cutoff: number): boolean => item.lastModified.getTime() < cutoff;

export async function collectGarbage(deps: GcDeps, now: Date): Promise<GcReport> {
  const report: GcReport = { generations: 0, repodataFiles: 0, fragments: 0, chunks: 0, blobs: 0, uploads: 0, temporary: 0 };
  const t = now.getTime();
  const retentionCutoff = t - deps.config.retentionSeconds * 1000;
  const graceCutoff = t - GRACE_SECONDS * 1000;
  const del = async (key: string): Promise<void> => {
    await deps.store.delete(key);
  };

  for await (const tenant of tenantNames(deps.store)) {
    await collectTenant(deps, tenant, { retentionCutoff, graceCutoff, now: t }, report, del);
  }
  for await (const item of listAll(deps.store, UPLOADS_PREFIX)) {
    if (olderThan(item, graceCutoff)) {
      await del(item.key);
      report.uploads++;
    }
  }
  report.temporary = await sweepTemporary(deps.store, now);
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

async function collectTenant(
  deps: GcDeps,
  tenant: string,
  cut: { retentionCutoff: number; graceCutoff: number; now: number },
  report: GcReport,
  del: (key: string) => Promise<void>,
): Promise<void> {
  const { store } = deps;
  const prefix = tenantPrefix(tenant);
  const repos = new Map<string, RepoKeys>();
  const blobs: { sha256: string; item: ListItem }[] = [];
  for await (const item of listAll(store, prefix)) {
    const rel = item.key.slice(prefix.length);
    let m: RegExpExecArray | null;
    if ((m = BLOB.exec(rel))) blobs.push({ sha256: m[1] as string, item });
    else if ((m = GENERATION.exec(rel))) repoKeys(repos, m[1] as string).generations.push({ revision: Number(m[2]), item });
    else if ((m = GENERATION_PACKAGES.exec(rel))) repoKeys(repos, m[1] as string).generationPackages.set(Number(m[2]), item);
    else if ((m = REPODATA.exec(rel))) repoKeys(repos, m[1] as string).repodata.push({ file: m[2] as string, item });
    else if ((m = CHANGE.exec(rel))) repoKeys(repos, m[1] as string).changes.push({ revision: Number(m[2]), item });
    else if ((m = CHUNK.exec(rel))) repoKeys(repos, m[1] as string).chunks.push({ id: m[2] as string, item });
    else if ((m = FRAGMENT.exec(rel))) repoKeys(repos, m[1] as string).fragments.push({ sha256: m[2] as string, item });
    else if ((m = REPO_FILE.exec(rel))) repoKeys(repos, m[1] as string);
  }

  const liveBlobs = new Set<string>();
  for (const [repo, keys] of repos) {
    const usedChunks = new Set<string>();
    const { index } = await readIndex(store, tenant, repo);
    const indexed = new Set(index.packages.map((p) => p.sha256));
    const { head } = await readHead(store, tenant, repo);
    const markList = async (list: string | null | undefined): Promise<void> => {
      if (!list) return;
      for (const ref of await readList(store, tenant, repo, list)) {
        for (const codec of ['gz', 'zstd'] as const) usedChunks.add(await chunkIdOf(codec, ref.id));
      }
    };
    indexed.forEach((s) => liveBlobs.add(s));
    const current = (await readCurrent(store, tenant, repo))?.value.revision ?? -1;

    // Generations, newest first: each one's "superseded at" is the write time of the newest
    // generation below current that followed it (current itself for the one just before).
    const gens = keys.generations.sort((a, b) => b.revision - a.revision);
    const kept: number[] = [];
    let supersededAt: number | null = null;
    for (const g of gens) {
      const written = g.item.lastModified.getTime();
      let keep: boolean;
      if (g.revision > current) keep = written >= cut.graceCutoff; // in flight, or abandoned long ago
      else if (g.revision === current) keep = true;
      else keep = supersededAt === null || supersededAt >= cut.retentionCutoff;
      if (g.revision <= current) supersededAt = written;
      if (keep) {
        kept.push(g.revision);
        continue;
      }
      await del(g.item.key);
      const pk = keys.generationPackages.get(g.revision);
      if (pk) await del(pk.key);
      report.generations++;
    }
    // packages lists whose record is gone (crash between the two writes)
    for (const [rev, item] of keys.generationPackages) {
      if (!kept.includes(rev) && !gens.some((g) => g.revision === rev) && olderThan(item, cut.graceCutoff)) await del(item.key);
    }

    const referenced = new Set<string>();
    await markList(head.list);
    for (const g of gens.filter((x) => kept.includes(x.revision))) {
      const rec = await readGenerationAt(store, g.item.key);
      rec?.files.forEach((f) => referenced.add(f));
      rec?.chunks?.forEach((c) => usedChunks.add(c));
      rec?.parts?.forEach((c) => usedChunks.add(c));
      if (rec?.index) {
        await markList(rec.index);
        for await (const e of listEntries(store, tenant, repo, rec.index)) liveBlobs.add(e.sha256);
      }
      (await readGenerationPackages(store, tenant, repo, g.revision))?.forEach(([, sha]) => liveBlobs.add(sha));
    }
    for (const f of keys.repodata) {
      if (referenced.has(f.file) || !olderThan(f.item, cut.graceCutoff)) continue;
      await del(f.item.key);
      report.repodataFiles++;
    }
    const newestChange = keys.changes.reduce((m, c) => Math.max(m, c.revision), -1);
    for (const c of keys.changes) {
      if (c.revision === newestChange || !olderThan(c.item, cut.now - CHANGE_LOG_SECONDS * 1000)) continue;
      await del(c.item.key);
    }
    // Entries of the kept generations stay so the next regeneration reuses them; the grace
    // spares entries a regeneration in flight has stored but not yet listed in its record.
    for (const c of keys.chunks) {
      if (usedChunks.has(c.id) || !olderThan(c.item, cut.graceCutoff)) continue;
      await del(c.item.key);
      report.chunks++;
    }
    for (const f of keys.fragments) {
      if (indexed.has(f.sha256) || !olderThan(f.item, cut.graceCutoff)) continue;
      await del(f.item.key);
      report.fragments++;
    }
  }

  for (const b of blobs) {
    if (liveBlobs.has(b.sha256) || !olderThan(b.item, cut.graceCutoff)) continue;
    await del(b.item.key);
    report.blobs++;
  }
}
