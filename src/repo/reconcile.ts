/**
 * Catch-up after a crash. A publish is acknowledged once its package is in the repo index; the
 * RepoChanged event that regenerates the metadata then lives in the process (the Node server's
 * in-process sink). A process killed between the two leaves the package listed by the API but
 * absent from repomd.xml until the repo's next publish. On Azure and Workers the event is in a
 * durable queue; on Node this pass closes the gap: every repo whose index was written after its
 * current generation pointer gets an event. Only `head`s per repo, so it is cheap to run at start
 * and on the GC timer. A spurious event costs one regeneration that finds nothing to change.
 *
 * It also migrates an index still in the former one-blob layout (docs/service.md, Index), so
 * `berth serve` converts every repo at start rather than on a request; the migrated head is
 * newer than the metadata, so the repo regenerates (its chunk ids changed with the layout).
 */
import type { BlobStore } from '../storage/blob-store.js';
import { currentGenerationKey, indexKey } from '../storage/keys.js';
import type { EventSink } from './events.js';
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
      if ((await readStoredHead(store, tenant, repo)).kind === 'legacy') await readHead(store, tenant, repo);
      const [index, current] = await Promise.all([store.head(indexKey(tenant, repo)), store.head(currentGenerationKey(tenant, repo))]);
      if (!index) continue;
      if (current && current.lastModified.getTime() >= index.lastModified.getTime()) continue;
      report.behind.push(`${tenant}/${repo}`);
      await events.send({ tenant, repo, revision: 0 });
    }
  }
  return report;
}
