/**
 * Composition root for the Worker: AppDeps from `env`, built on first use and cached per isolate
 * (per env object), so a request pays for configuration, the operator hash and the store once.
 * Publishing sends RepoChanged to the EVENTS queue; the `queue` handler regenerates.
 *
 * The dnf read path is the app's own (src/http); the Worker supplies only its caches and its
 * credential policy: the serve cache in isolate memory for repo settings, the served generation
 * and package locations (BERTH_METADATA_CACHE_SECONDS), immutable files in the Cache API
 * (edge-files.ts), and credential verdicts for BERTH_TOKEN_CACHE_SECONDS, refusals included
 * (every store read is a billed subrequest), keyed by the credential's SHA-256.
 */
import type { AppDeps } from '../../http/deps.js';
import type { Logger } from '../../core/logger.js';
import type { EventSink, RepoChanged } from '../../repo/events.js';
import type { BlobStore } from '../../storage/blob-store.js';
import { createR2BlobStore } from '../../storage/r2-store.js';
import { countedBucket, type CallCount } from './counted-bucket.js';
import { createSasBlobStore } from '../../storage/sas-store.js';
import { NO_FILE_CACHE } from '../../http/cache/file-cache.js';
import { DEFAULT_SERVE_CACHE, ServeCache } from '../../http/cache/serve-cache.js';
import { parseWorkerEnv, type QueueLike, type WorkerConfig, type WorkerEnv } from './config.js';
import { createOutbound } from '../../net/outbound.js';
import { EdgeFileCache, type EdgeCache } from './edge-files.js';
import { workerPlatform } from './platform.js';

export interface WorkerDeps {
  deps: AppDeps;
  config: WorkerConfig;
  /** R2 calls (subrequests) this isolate has made through its store (storage `r2`). */
  r2Calls: CallCount;
}

/** One JSON line per entry on the console (Workers Logs / `wrangler tail` collect it). */
export const consoleLogger: Logger = {
  info: (msg, fields) => console.log(JSON.stringify({ level: 'info', msg, ...fields })),
  warn: (msg, fields) => console.warn(JSON.stringify({ level: 'warn', msg, ...fields })),
  error: (msg, fields) => console.error(JSON.stringify({ level: 'error', msg, ...fields })),
};

class QueueSink implements EventSink {
  constructor(private readonly queue: QueueLike<unknown>) {}
  async send(event: RepoChanged): Promise<void> {
    await this.queue.send({ tenant: event.tenant, repo: event.repo, revision: event.revision });
  }
}

/** Reads never publish; a write that gets this far has already been refused by the store. */
const noEvents: EventSink = {
  async send() {
    throw new Error('this Worker is a read-only edge (BERTH_STORAGE=azure-sas): nothing to regenerate');
  },
};

function storeOf(config: WorkerConfig, r2Calls: CallCount): BlobStore {
  const s = config.storage;
  return s.kind === 'r2' ? createR2BlobStore(countedBucket(s.bucket, r2Calls)) : createSasBlobStore({ containerUrl: s.containerUrl, sas: s.sas });
}

/** The Worker's serve cache: isolate memory for small things, the Cache API (when given) for files. */
export function workerServeCache(config: Pick<WorkerConfig, 'tokenCacheSeconds' | 'metadataCacheSeconds'>, edgeCache: EdgeCache | null, logger: Logger): ServeCache {
  return new ServeCache({
    ...DEFAULT_SERVE_CACHE,
    tokenTtlMs: config.tokenCacheSeconds * 1000,
    pointerTtlMs: config.metadataCacheSeconds * 1000,
    tokenPolicy: { cacheRefusals: true, hashKeys: true },
    files: edgeCache ? new EdgeFileCache(edgeCache, logger) : NO_FILE_CACHE,
  });
}

/** `edgeCache`: the Cache API (`caches.default`); null where there is none (files then come from the store). */
export async function buildWorkerDeps(env: WorkerEnv, logger: Logger = consoleLogger, edgeCache: EdgeCache | null = null): Promise<WorkerDeps> {
  const config = parseWorkerEnv(env);
  for (const warning of config.warnings) logger.warn('deprecated setting', { detail: warning });
  const r2Calls: CallCount = { calls: 0 };
  const deps: AppDeps = {
    store: storeOf(config, r2Calls),
    platform: workerPlatform,
    events: config.storage.kind === 'r2' ? new QueueSink(config.storage.events) : noEvents,
    clock: () => new Date(),
    logger,
    // Workers resolve names on Cloudflare's network, which does not route to the account's
    // private networks; the policy checks the scheme and IP literals of every hop here.
    outbound: createOutbound({ transport: (url, init) => fetch(url, init), policy: config.outbound.policy, limits: config.outbound.limits }),
    mirrorTenants: config.outbound.mirrorTenants,
    cache: workerServeCache(config, edgeCache, logger),
    config: {
      maxUploadBytes: config.maxUploadBytes,
      retentionSeconds: config.retentionSeconds,
      operatorTokenHash: config.operatorTokenHash,
      publicUrl: config.publicUrl,
      rateLimit: config.rateLimit,
      tenantQuotaBytes: config.tenantQuotaBytes,
    },
  };
  return { deps, config, r2Calls };
}

const cache = new WeakMap<object, Promise<WorkerDeps>>();

/** The isolate's deps for this env; a failed build is not cached, so a fixed secret takes effect. */
export function workerDeps(env: WorkerEnv, edgeCache: EdgeCache | null): Promise<WorkerDeps> {
  let p = cache.get(env);
  if (!p) {
    p = buildWorkerDeps(env, consoleLogger, edgeCache);
    cache.set(env, p);
    p.catch(() => cache.delete(env));
  }
  return p;
}
