/**
 * bench:scale `--store azurite`: the seeded rounds with `berth serve` on the Azure Blob store, against
 * an Azurite blob service (a child process, in memory, on 127.0.0.1, `--disableTelemetry`) started
 * for the run.
 *
 * The store is the seeded fs store (scale-seed.ts), brought up to date first in this process (its
 * first regeneration is the cold build; later runs find it current or one chunk behind), then
 * copied into Azurite through the BlobStore contract (get from the fs store, put into Azurite,
 * content type and metadata kept). Azurite takes a few hundred puts a second here, so only what the
 * rounds read is copied: everything but the package blobs and the per-repo fragments, of which only
 * those of the index segments the rounds' packages fall into (and their neighbours, where a
 * boundary may move) — all a publish and the regeneration after it read. The chunk cache, index,
 * generation and its files go over whole, as the server would find them after the same history.
 *
 * With `callLog`, the server reaches Azurite through counting-proxy.ts, which logs each store call
 * (for counting the calls of a publish and of a regeneration; one more hop each).
 */
import { performance } from 'node:perf_hooks';
import { nodePlatform } from '../../src/adapters/node/platform.js';
import { readRpm } from '../../src/core/rpm/index.js';
import { packagePlacement } from '../../src/repo/index-entry.js';
import { coveringSegment, readHead, type SegmentRef } from '../../src/repo/index-store.js';
import { readList, readSegment } from '../../src/repo/index-objects.js';
import { regenerate } from '../../src/repo/regenerate.js';
import { storeTenancy } from '../../src/repo/tenancy-bindings.js';
import { createAzureBlobStore } from '../../src/storage/azure-store.js';
import { listAll, type BlobStore } from '../../src/storage/blob-store.js';
import { createFsBlobStore } from '../../src/storage/fs-store.js';
import { copyBlobs } from './copy-blobs.js';
import { packageBlobKey, packageBlobsPrefix, repoFragmentKey, repoFragmentsPrefix } from '../../src/storage/keys.js';
import { startAzurite } from '../../test/helpers/azurite.js';
import { startCountingProxy, type CountingProxy } from './counting-proxy.js';
import { REPO, TENANT } from './scale-steps.js';
import { signedPackage, type BenchKey } from './synth-signed.js';

export interface AzuriteRun {
  /** The server's environment: the Azure store on Azurite. */
  env: Record<string, string>;
  /** What was copied, for the log. */
  summary: string;
  stop(): Promise<void>;
}

const CONTAINER = 'berth';
const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };

/** Keys of the fragments (and blobs) of the segments packages `numbers` fall into, and of their neighbours. */
async function neededKeys(fs: BlobStore, numbers: readonly number[], key: BenchKey): Promise<Set<string>> {
  const { head } = await readHead(fs, TENANT, REPO);
  const refs = await readList(fs, TENANT, REPO, head.list);
  const segments = new Set<number>();
  for (const i of numbers) {
    const bytes = await signedPackage(i, key);
    const { pkg } = await readRpm((async function* () { yield bytes; })(), nodePlatform);
    const at = coveringSegment(refs, packagePlacement(pkg));
    for (const j of [at - 1, at, at + 1]) if (j >= 0 && j < refs.length) segments.add(j);
  }
  const out = new Set<string>();
  for (const j of segments) {
    for (const e of await readSegment(fs, TENANT, REPO, (refs[j] as SegmentRef).id)) {
      out.add(repoFragmentKey(TENANT, REPO, e.sha256));
      out.add(packageBlobKey(TENANT, e.sha256));
    }
  }
  return out;
}

/**
 * Azurite started and filled from the seeded fs store at `data`, for rounds publishing packages
 * `numbers` (signed with `key`).
 */
export async function azuriteFromSeeded(data: string, numbers: readonly number[], key: BenchKey, say: (s: string) => void, callLog?: string): Promise<AzuriteRun> {
  const fs = createFsBlobStore(data);
  const t0 = performance.now();
  const r = await regenerate({ store: fs, platform: nodePlatform, clock: () => new Date(), logger: quiet }, storeTenancy, TENANT, REPO, { keepMembers: 16 * 1024 * 1024 });
  say(`fs store brought up to date in this process: ${r.outcome}, ${((performance.now() - t0) / 1000).toFixed(1)} s ${JSON.stringify(r.chunks ?? {})}`);
  const needed = await neededKeys(fs, numbers, key);
  const azurite = await startAzurite({ mode: 'process' });
  if (!azurite) throw new Error('--store azurite needs azurite (npm i -D azurite)');
  let proxy: CountingProxy | undefined;
  try {
    const az = createAzureBlobStore({ connectionString: azurite.connectionString, container: CONTAINER });
    const skipped = [packageBlobsPrefix(TENANT), repoFragmentsPrefix(TENANT, REPO)];
    const keys: string[] = [];
    for await (const item of listAll(fs, '')) {
      if (item.key.startsWith('uploads/')) continue;
      if (skipped.some((p) => item.key.startsWith(p)) && !needed.has(item.key)) continue;
      keys.push(item.key);
    }
    const { bytes, seconds } = await copyBlobs(fs, az, keys);
    const summary = `copied into Azurite: ${keys.length} objects (${(bytes / 1e6).toFixed(0)} MB; ${needed.size / 2} packages' fragments and blobs of ${numbers.length} publishes' segments, no other blobs or fragments) in ${seconds.toFixed(0)} s (${(keys.length / seconds).toFixed(0)} puts/s)`;
    say(summary);
    let conn = azurite.connectionString;
    if (callLog) {
      proxy = await startCountingProxy(new URL(azurite.blobEndpoint).origin, callLog);
      conn = conn.replace(new URL(azurite.blobEndpoint).origin, proxy.url);
      say(`store calls of the server logged to ${callLog}`);
    }
    const p = proxy;
    return {
      env: { AZURE_STORAGE_CONNECTION_STRING: conn, BERTH_CONTAINER: CONTAINER },
      summary,
      stop: async () => {
        await p?.stop();
        await azurite.stop();
      },
    };
  } catch (e) {
    await proxy?.stop();
    await azurite.stop();
    throw e;
  }
}
