/**
 * Composition root for `berth serve`: picks the blob store from the configuration and builds
 * the AppDeps the HTTP app runs on. Publishing sends RepoChanged events to an in-process
 * CoalescingSink, which regenerates each repo's metadata at most once at a time.
 */
import { resolve } from 'node:path';
import type { TokenCredential } from '@azure/core-auth';
import { DEFAULT_SERVE_CACHE, ServeCache, type ServeCacheOptions } from '../../http/cache/serve-cache.js';
import type { AppDeps } from '../../http/deps.js';
import type { Logger } from '../../core/logger.js';
import { BufferPool } from '../../repo/chunk-source.js';
import { CoalescingSink } from '../../repo/coalescing-sink.js';
import { MemberArena } from '../../repo/member-arena.js';
import { MEMBER_CACHE_BYTES, ObjectCache } from '../../repo/object-cache.js';
import { regenerate } from '../../repo/regenerate.js';
import { storeTenancy } from '../../repo/tenancy-bindings.js';
import type { BlobStore } from '../../storage/blob-store.js';
import { createAzureBlobStore } from '../../storage/azure-store.js';
import { FsRootError, secureFsRoot } from '../../storage/fs-root.js';
import { createFsBlobStore, type KeyLockRunner } from '../../storage/fs-store.js';
import { ConfigError, type NodeConfig, type StorageConfig } from './config.js';
import { nodeOutbound } from './egress.js';
import { nodePlatform } from './platform.js';

/**
 * The embedded store's data root must be private (storage/fs-root.ts): created 0700, or a looser
 * one tightened — with everything below it — and said so in the log. Run once per start, before
 * anything is written (in the primary of `--workers N`).
 */
export async function secureStorage(storage: StorageConfig, logger: Logger): Promise<void> {
  if (storage.kind !== 'fs') return;
  let r;
  try {
    r = await secureFsRoot(resolve(storage.root));
  } catch (e) {
    if (e instanceof FsRootError) throw new ConfigError(e.message);
    throw e;
  }
  if (r.loosened !== null) {
    logger.warn('data root was readable by other users: tightened to 0700 (directories) and 0600 (files)', {
      data: r.root, was: r.loosened, tightened: r.tightened, removedTemps: r.removedTemps,
    });
  }
}

/** `locks`: the fs store's compare-and-swap lock, shared by every process on one root. */
export async function createStore(storage: StorageConfig, locks?: KeyLockRunner): Promise<BlobStore> {
  switch (storage.kind) {
    case 'fs':
      return createFsBlobStore(resolve(storage.root), locks);
    case 'azure-connection-string':
      return createAzureBlobStore({ connectionString: storage.connectionString, container: storage.container });
    case 'azure-account-url': {
      // @azure/identity is not a direct dependency of Berth (it arrives with @azure/functions);
      // loaded lazily so the embedded store never pays for it, with a clear message if absent.
      let identity: { DefaultAzureCredential: new () => TokenCredential };
      try {
        identity = (await import('@azure/identity')) as unknown as typeof identity;
      } catch {
        throw new ConfigError('BERTH_STORAGE_ACCOUNT_URL needs the @azure/identity package (npm i @azure/identity)');
      }
      return createAzureBlobStore({
        accountUrl: storage.accountUrl,
        credential: new identity.DefaultAzureCredential(),
        container: storage.container,
      });
    }
  }
}

/**
 * Memory the server's regenerations reuse from one to the next instead of allocating it anew
 * each time (docs/benchmarks.md, Scale: during a bulk import the copies each regeneration left
 * behind were most of the server's ArrayBuffers at its peak):
 * - the compressed members a regeneration keeps between its passes instead of reading them
 *   again: all of them up to ~50,000 packages (13.5 MB), the first 16 MiB beyond; shared by
 *   regenerations running at once (repo/member-arena.ts);
 * - the buffers cached chunk entries are read into: 3 files × (4 prefetched + 1), each as large
 *   as the largest entry it held; at most 16 MiB of them kept while no regeneration runs.
 */
const KEEP_MEMBERS = 16 * 1024 * 1024;
const READ_BUFFERS = { buffers: 16, bytes: 16 * 1024 * 1024 };

export interface NodeDeps {
  deps: AppDeps;
  sink: CoalescingSink;
  /** Aborting it stops in-flight mirror fetches (shutdown). */
  shutdown: AbortController;
}

/** The serve cache with the configured windows (BERTH_TOKEN_CACHE_SECONDS, BERTH_METADATA_CACHE_SECONDS). */
export function serveCacheOptions(config: Pick<NodeConfig, 'tokenCacheSeconds' | 'metadataCacheSeconds'>): ServeCacheOptions {
  return { ...DEFAULT_SERVE_CACHE, tokenTtlMs: config.tokenCacheSeconds * 1000, pointerTtlMs: config.metadataCacheSeconds * 1000 };
}

export function buildAppDeps(
  config: NodeConfig, store: BlobStore, operatorTokenHash: string | null, logger: Logger,
  cacheOptions: ServeCacheOptions = DEFAULT_SERVE_CACHE,
): NodeDeps {
  const clock = (): Date => new Date();
  const cache = new ServeCache(cacheOptions);
  const reuse = { buffers: new BufferPool(true, READ_BUFFERS), members: new MemberArena(KEEP_MEMBERS) };
  // On Azure Blob every chunk-cache read is a round trip: keep the members in memory, so a
  // regeneration reads only the chunks that changed (src/repo/chunk-source.ts). The fs store
  // reads an entry faster than its member decompresses: none there.
  const memberCache = config.storage.kind === 'fs' ? undefined : new ObjectCache(MEMBER_CACHE_BYTES);
  const sink = new CoalescingSink(
    async (tenant, repo) => {
      try {
        return await regenerate({ store, platform: nodePlatform, clock, logger }, storeTenancy, tenant, repo, { codec: config.codec, reuse, ...(memberCache ? { memberCache } : {}) });
      } finally {
        // The served repomd.xml must change the moment the new generation is committed.
        await cache.invalidateRepo(tenant, repo);
      }
    },
    logger,
  );
  const shutdown = new AbortController();
  const deps: AppDeps = {
    store,
    platform: nodePlatform,
    events: sink,
    clock,
    logger,
    cache,
    outbound: nodeOutbound(config.outbound.policy, config.outbound.limits),
    shutdown: shutdown.signal,
    mirrorTenants: config.outbound.mirrorTenants,
    config: {
      maxUploadBytes: config.maxUploadBytes,
      retentionSeconds: config.retentionSeconds,
      operatorTokenHash,
      publicUrl: config.publicUrl,
      rateLimit: config.rateLimit,
      tenantQuotaBytes: config.tenantQuotaBytes,
    },
  };
  return { deps, sink, shutdown };
}
