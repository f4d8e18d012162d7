/**
 * A public allow-unsigned repo of N synthetic packages written straight into any BlobStore (an R2
 * bucket binding through Miniflare, Azurite, a memory store), as N publishes would have left it
 * for a regeneration: tenant and repo records, one fragment file per package, the index (head,
 * list, segments) in one commit. Package blobs are written only for the packages to be served
 * (`served`, spread evenly over the set): a regeneration reads fragments, never blobs, when the
 * fragment matches the index entry. No generation is written, so the first regeneration is the
 * cold build (every chunk made from fragments). The tenant's history (audit, change log) stays
 * empty.
 *
 * Used by bench/edge-scale.ts (200,000 packages in workerd's R2 and in Azurite) and by
 * test/cloudflare/worker-scale.test.ts (2,000 in workerd's R2).
 */
import { nodePlatform } from '../../src/adapters/node/platform.js';
import { readRpm } from '../../src/core/rpm/index.js';
import { packagePlacement, type IndexEntry } from '../../src/repo/index-entry.js';
import { updateIndex } from '../../src/repo/index-store.js';
import { fragmentFile, packageRecord, writeFragmentFile } from '../../src/repo/package-fragments.js';
import { createRepo } from '../../src/repo/repos.js';
import { createTenant } from '../../src/repo/tenants.js';
import type { BlobStore } from '../../src/storage/blob-store.js';
import { packageBlobKey } from '../../src/storage/keys.js';
import { synthPackage } from './synth-repo.js';

export interface SeedOptions {
  tenant: string;
  repo: string;
  /** Packages: synthetic packages 1..n (bench/lib/synth-repo.ts). */
  packages: number;
  /** How many of them get their blob stored, to be served (every n/served-th). */
  served: number;
  /** Store calls in flight (default 32). */
  lanes?: number;
  /** Progress lines. */
  say?: (line: string) => void;
}

export interface ServedPackage {
  location: string;
  sha256: string;
  size: number;
}

export interface Seeded {
  packages: number;
  served: ServedPackage[];
  seconds: number;
}

/** Package numbers whose blobs are stored: `served` of 1..n, evenly spread, first and last included. */
function servedNumbers(n: number, served: number): Set<number> {
  const out = new Set<number>();
  const k = Math.min(n, Math.max(0, served));
  for (let j = 0; j < k; j++) out.add(1 + Math.round((j * (n - 1)) / Math.max(1, k - 1)));
  return out;
}

export async function seedRepo(store: BlobStore, o: SeedOptions): Promise<Seeded> {
  const t0 = performance.now();
  const now = new Date();
  await createTenant(store, o.tenant, now);
  await createRepo(store, { tenant: o.tenant, name: o.repo, public: true, allowUnsigned: true }, now);
  const addedAt = Math.floor(now.getTime() / 1000);
  const n = o.packages;
  const blobs = servedNumbers(n, o.served);
  const entries = new Array<IndexEntry>(n);
  const served: ServedPackage[] = [];
  let next = 0;
  let done = 0;
  await Promise.all(Array.from({ length: o.lanes ?? 32 }, async () => {
    while (next < n) {
      const k = next++;
      const { bytes } = synthPackage(k + 1);
      const result = await readRpm((async function* () { yield bytes; })(), nodePlatform);
      const { filename, location } = packagePlacement(result.pkg);
      const frag = fragmentFile(packageRecord(result, addedAt, location));
      if ('excluded' in frag) throw new Error(`synthetic package ${k + 1} is unrepresentable`);
      const sha256 = result.computed.fileSha256;
      if (blobs.has(k + 1)) {
        await store.put(packageBlobKey(o.tenant, sha256), bytes, { contentType: 'application/x-rpm' });
        served.push({ location, sha256, size: bytes.length });
      }
      await writeFragmentFile(store, o.tenant, o.repo, frag);
      const p = result.pkg;
      entries[k] = {
        sha256, name: p.name, epoch: p.epoch ?? 0, version: p.version, release: p.release, arch: p.arch,
        filename, location, size: bytes.length, addedAt, signer: null,
      };
      if (++done % 10_000 === 0) o.say?.(`seeding: ${done} of ${n} (${((performance.now() - t0) / 1000).toFixed(0)} s)`);
    }
  }));
  await updateIndex(store, o.tenant, o.repo, () => now, (cur) => ({ next: { ...cur, packages: entries }, result: null }));
  served.sort((a, b) => (a.location < b.location ? -1 : 1));
  return { packages: n, served, seconds: (performance.now() - t0) / 1000 };
}
