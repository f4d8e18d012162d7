/**
 * Publishing a verified mirror run. Complete mode: the index becomes exactly upstream's package
 * set (at upstream's hrefs) and a generation holding upstream's repomd.xml and signature becomes
 * current, exactly as regeneration would swap one in. Filtered mode: the mirror's own packages
 * are added and removed in one index CAS and the usual event makes Berth regenerate and sign.
 */
import type { Logger } from '../core/logger.js';
import type { EventSink } from '../repo/events.js';
import { publishGeneration, type GenerationRecord } from '../repo/generations.js';
import { sameNevra, updateIndex } from '../repo/index-store.js';
import type { BlobStore } from '../storage/blob-store.js';
import { MirrorError } from './errors.js';
import { nevraOf, type IndexEntry } from '../repo/index-entry.js';

export interface CommitDeps {
  store: BlobStore;
  clock: () => Date;
  logger: Logger;
  events: EventSink;
}

export async function commitComplete(
  deps: CommitDeps,
  tenant: string,
  repo: string,
  entries: IndexEntry[],
  files: string[],
  repomd: string,
  asc: string,
): Promise<{ revision: number; added: number; removed: number }> {
  const { store } = deps;
  const { result, index, list } = await updateIndex(store, tenant, repo, deps.clock, (cur) => {
    const before = new Set(cur.packages.map((p) => p.sha256));
    const after = new Set(entries.map((p) => p.sha256));
    const added = entries.filter((p) => !before.has(p.sha256)).length;
    const removed = cur.packages.filter((p) => !after.has(p.sha256)).length;
    return { next: { ...cur, packages: entries }, result: { added, removed } };
  });
  const revision = index.revision;
  // its packages are found through the index segments the commit wrote (docs/service.md, Index)
  const record: GenerationRecord = { revision, createdAt: deps.clock().toISOString(), files, repomd, asc, index: list };
  if (!(await publishGeneration(store, tenant, repo, record)).current) {
    throw new MirrorError('mirror_superseded', `another generation newer than ${revision} became current for ${tenant}/${repo} meanwhile`);
  }
  deps.logger.info('mirror generation published', { tenant, repo, revision, packages: entries.length });
  return { revision, ...result };
}

export interface FilteredOutcome {
  revision: number;
  added: number;
  removed: number;
  /** The mirror's packages now in the index. */
  managed: string[];
  skipped: { nevra: string; reason: string }[];
}

/**
 * `wanted`: the entries the selection asks for (new ones and ones already indexed). Removes
 * only packages the mirror added earlier (`managed`) that are no longer wanted; packages
 * published by hand stay, and one whose NEVRA or location they hold is skipped with a reason.
 */
export async function commitFiltered(
  deps: CommitDeps,
  tenant: string,
  repo: string,
  wanted: IndexEntry[],
  managed: ReadonlySet<string>,
): Promise<FilteredOutcome> {
  const { result, index, changed } = await updateIndex(deps.store, tenant, repo, deps.clock, (cur) => {
    const want = new Set(wanted.map((w) => w.sha256));
    const removed = cur.packages.filter((p) => managed.has(p.sha256) && !want.has(p.sha256));
    const packages = cur.packages.filter((p) => !removed.includes(p));
    const skipped: { nevra: string; reason: string }[] = [];
    const nowManaged: string[] = [];
    let added = 0;
    for (const w of wanted) {
      const same = packages.find((p) => p.sha256 === w.sha256);
      if (same) {
        if (managed.has(w.sha256)) nowManaged.push(w.sha256);
        continue;
      }
      const clash = packages.find((p) => sameNevra(p, w) || p.location === w.location);
      if (clash) {
        skipped.push({ nevra: nevraOf(w), reason: `${clash.location} is already published with other content (sha256 ${clash.sha256})` });
        continue;
      }
      packages.push(w);
      nowManaged.push(w.sha256);
      added++;
    }
    const next = added > 0 || removed.length > 0 ? { ...cur, packages } : null;
    return { next, result: { added, removed: removed.length, managed: nowManaged, skipped } };
  });
  if (changed) {
    try {
      await deps.events.send({ tenant, repo, revision: index.revision });
    } catch (e) {
      deps.logger.error('repo change event failed', { tenant, repo, revision: index.revision, error: String(e) });
    }
  }
  return { revision: index.revision, ...result };
}
