/**
 * Catch-up after a crash. A publish is acknowledged once its package is in the repo index; the
 * RepoChanged event that regenerates the metadata then lives in the process (the Node server's
 * in-process sink). A process killed between the two leaves the package listed by the API but
 * absent from repomd.xml until the repo's next publish. On Azure and Workers the event is in a
 * durable queue; on Node this pass closes the gap: every repo whose index revision is ahead of its
 * current generation's revision gets an event. Two small reads per repo, so it is cheap to run at start
 * and on the GC timer. A spurious event costs one regeneration that finds nothing to change.
 *
 * It also migrates an index still in the former one-blob layout (docs/service.md, Index), so
 * `berth serve` converts every repo at start rather than on a request; the migrated head is
 * newer than the metadata, so the repo regenerates (its chunk ids changed with the layout).
 */
import type { BlobStore } from '../storage/blob-store.js';
import type { EventSink } from './events.js';
import { readCurrent } from './generations.js';
import { readStoredHead } from './index-objects.js';
import { readHead } from './index-store.js';
import { listRepos } from './repos.js';
import { tenantNames } from './tenants.js';

export interface ReconcileReport {
  repos: number;
  /** `tenant/repo` of every repo an event was sent for. */
  behind: string[];
}

export async function reconcileRepos(store: BlobStore, events: EventSink): Promise<ReconcileReport> {
  const report: ReconcileReport = { repos: 0, behind: [] };
  for await (const tenant of tenantNames(store)) {
    for (const { name: repo } of await listRepos(store, tenant)) {
      report.repos++;
      const stored = await readStoredHead(store, tenant, repo);
      if (stored.kind === 'none') continue;
      // revisions, not modification times: a regeneration of an older revision that finishes after
      // the index moved on writes the pointer later than the index, and would hide the gap
      const revision = stored.kind === 'head' ? stored.head.revision : (await readHead(store, tenant, repo)).head.revision;
      const current = await readCurrent(store, tenant, repo);
      // a migrated index regenerates whatever its revision: its chunk ids changed with the layout
      if (stored.kind === 'head' && current && current.value.revision >= revision) continue;
      report.behind.push(`${tenant}/${repo}`);
      await events.send({ tenant, repo, revision: 0 });
    }
  }
  return report;
}
