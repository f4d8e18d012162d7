/**
 * `berth serve` on Node: the Hono app on @hono/node-server, a periodic GC, graceful shutdown,
 * and the operator credential.
 *
 * Operator credential: BERTH_ADMIN_TOKEN when set (only its SHA-256 is kept). Otherwise, with
 * the embedded store, the first start generates one, stores its hash at `operator.json`
 * (create-only, so two racing first starts agree on one) and prints the token once on stdout;
 * later starts reuse the stored hash and print nothing. Object storage needs the variable: a
 * token printed by one of many instances would be lost.
 */
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { createApp } from '../../http/app.js';
import type { Logger } from '../../core/logger.js';
import { ensureOperatorCredential } from '../../auth/operator.js';
import { collectGarbage } from '../../repo/gc.js';
import { reconcileRepos } from '../../repo/reconcile.js';
import { MirrorScheduler } from '../../mirror/schedule.js';
import type { BlobStore } from '../../storage/blob-store.js';
import type { KeyLockRunner } from '../../storage/fs-store.js';
import type { CacheInvalidation } from '../../http/cache/serve-cache.js';
import { ConfigError, type NodeConfig } from './config.js';
import { sendingFileBodies } from './file-bodies.js';
import { buildAppDeps, createStore, secureStorage, serveCacheOptions } from './deps.js';

export interface RunningServer {
  /** e.g. http://127.0.0.1:8080 (the bound port, also when 0 was asked for). */
  url: string;
  port: number;
  /** Stops accepting, waits for in-flight requests and pending regenerations. */
  close(): Promise<void>;
}

export interface StartOptions {
  logger: Logger;
  /** Where the one-time operator token is printed (stdout). */
  print: (text: string) => void;
  /** Upper bound for waiting on pending regenerations at shutdown (default 60 s). */
  drainTimeoutMs?: number;
  /** Set when this process is one worker of `berth serve --workers N` (cluster.ts). */
  worker?: WorkerRole;
}

export interface WorkerRole {
  /** Whether this worker runs the GC and mirror timers (exactly one worker does). */
  background: boolean;
  /** Passes this worker's cache invalidation on; resolves once every sibling has applied it. */
  publish(event: CacheInvalidation): Promise<void>;
  /** Registers how siblings' invalidations are applied here. */
  subscribe(apply: (event: CacheInvalidation) => void): void;
  /** The embedded store's per-key lock, held across all workers (granted by the primary). */
  locks: KeyLockRunner;
}

/** Old setting names still in use, once per start (src/settings: read until the next release). */
export function logDeprecations(config: NodeConfig, logger: Logger): void {
  for (const warning of config.warnings) logger.warn('deprecated setting', { detail: warning });
}

export async function resolveOperatorHash(config: NodeConfig, store: BlobStore, opts: StartOptions): Promise<string> {
  if (config.operatorTokenHash !== null) return config.operatorTokenHash;
  if (config.storage.kind !== 'fs') {
    throw new ConfigError('BERTH_ADMIN_TOKEN or BERTH_ADMIN_TOKEN_SHA256 is required with Azure storage (a token is generated only for the embedded store)');
  }
  const { hash, token } = await ensureOperatorCredential(store);
  if (token !== null) {
    opts.logger.warn('generated the operator token (printed once on stdout; only its hash is stored)');
    opts.print(
      'Berth operator token (shown once — store it; use it as BERTH_TOKEN for `berth tenant create`):\n' +
        `${token}\n`,
    );
  }
  return hash;
}

export async function startServer(config: NodeConfig, opts: StartOptions): Promise<RunningServer> {
  const { logger } = opts;
  // In a cluster the primary has said it (startCluster); the workers stay quiet.
  if (!opts.worker) logDeprecations(config, logger);
  if (!opts.worker) await secureStorage(config.storage, logger); // the primary did it for its workers
  const store = await createStore(config.storage, opts.worker?.locks);
  const hash = await resolveOperatorHash(config, store, opts);
  const worker = opts.worker;
  const { deps, sink, shutdown } = buildAppDeps(config, store, hash, logger, {
    ...serveCacheOptions(config),
    ...(worker ? { onInvalidate: (e: CacheInvalidation) => worker.publish(e) } : {}),
  });
  const cache = deps.cache;
  if (worker && cache) worker.subscribe((e) => cache.apply(e));
  const app = createApp(deps);

  const server = await new Promise<ReturnType<typeof serve>>((resolveServer, reject) => {
    const s = serve({ fetch: sendingFileBodies(app.fetch), port: config.port, hostname: config.host }, () => resolveServer(s));
    s.once('error', reject);
  });
  const port = (server.address() as AddressInfo).port;
  const hostForUrl = config.host.includes(':') ? `[${config.host}]` : config.host;
  const url = `http://${hostForUrl}:${port}`;
  logger.info(worker ? 'worker listening' : 'listening', {
    url, port, host: config.host, storage: config.storage.kind,
    ...(config.storage.kind === 'fs' ? { data: config.storage.root } : { container: config.storage.container }),
  });

  // Repos whose index is ahead of their metadata (a publish acknowledged just before a crash) get
  // their regeneration now and on every GC pass (repo/reconcile.ts).
  const reconcile = (): Promise<void> => reconcileRepos(store, sink)
    .then((r) => { if (r.behind.length > 0) logger.warn('regenerating repos whose metadata was behind their index', { repos: r.behind }); })
    .catch((err: unknown) => logger.error('reconcile failed', { error: err }));
  let gcRunning: Promise<void> | null = null;
  const runGc = (): void => {
    if (gcRunning) return;
    gcRunning = reconcile()
      .then(() => collectGarbage(deps, new Date()))
      .then((report) => logger.info('gc', { ...report }))
      .catch((err: unknown) => logger.error('gc failed', { error: err }))
      .finally(() => (gcRunning = null));
  };
  // In a cluster one worker runs the timers: N GC passes at once would only repeat each other.
  const background = worker?.background ?? true;
  const timer = background ? setInterval(runGc, config.gcIntervalSeconds * 1000) : null;
  timer?.unref();
  const startup = background ? reconcile() : Promise.resolve();

  // Mirrors due a run (src/mirror), checked on their own timer. A tick only starts runs: tenants
  // run side by side, and one still busy from an earlier tick never holds up the others.
  const mirrors = new MirrorScheduler(deps, {
    maxTenants: config.outbound.mirrorTenants,
    onRuns: (runs) => logger.info('scheduled mirror runs', { runs: runs.map((r) => ({ repo: `${r.tenant}/${r.repo}`, outcome: r.outcome })) }),
  });
  const runMirrors = (): void => {
    mirrors.tick(new Date()).catch((err: unknown) => logger.error('scheduled mirror runs failed', { error: String(err) }));
  };
  const mirrorTimer = background && config.mirrorCheckSeconds > 0 ? setInterval(runMirrors, config.mirrorCheckSeconds * 1000) : null;
  mirrorTimer?.unref();

  let closing: Promise<void> | null = null;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      if (timer) clearInterval(timer);
      if (mirrorTimer) clearInterval(mirrorTimer);
      // In-flight upstream fetches stop now: a mirror run (scheduled, or the request that runs
      // one) fails cleanly instead of holding the shutdown for as long as an upstream likes.
      shutdown.abort(new Error('the server is shutting down'));
      const stopped = new Promise<void>((r) => server.close(() => r()));
      // Idle keep-alive sockets would hold close() open; busy ones finish their request first.
      (server as { closeIdleConnections?: () => void }).closeIdleConnections?.();
      await stopped;
      await startup; // its events go into the sink drained next
      // Publishes already answered 201; their repodata must still be written before we exit.
      const drained = sink.idle().then(() => true);
      const timeout = new Promise<false>((r) => setTimeout(() => r(false), opts.drainTimeoutMs ?? 60_000).unref());
      if (!(await Promise.race([drained, timeout]))) logger.warn('shutdown: gave up waiting for pending regenerations');
      if (gcRunning) await gcRunning;
      await mirrors.idle();
      logger.info('stopped');
    })();
    return closing;
  };
  return { url, port, close };
}
