/**
 * Catch-up after a crash. A publish is acknowledged once its package is in the repo index; the
 * RepoChanged event that regenerates the metadata then lives in the process (the Node server's
 * in-process sink). A process killed between the two leaves the package listed by the API but
 * absent from repomd.xml until the repo's next publish. On Azure and Workers the event is in a
 * durable queue; on Node this pass closes the gap: every repo whose index was written after its
 * current generation pointer gets an event. Only `head`s per repo, so it is cheap to run at start
 * and on the GC timer. A spurious event costs one regeneration that finds nothing to change.
 */
import type { BlobStore } from '../storage/blob-store.js';
import { currentGenerationKey, indexKey } from '../storage/keys.js';
import type { EventSink } from './events.js';
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
      const [index, current] = await Promise.all([store.head(indexKey(tenant, repo)), store.head(currentGenerationKey(tenant, repo))]);
      if (!index) continue;
      if (current && current.lastModified.getTime() >= index.lastModified.getTime()) continue;
      report.behind.push(`${tenant}/${repo}`);
      await events.send({ tenant, repo, revision: 0 });
    }
  }
  return report;
}
