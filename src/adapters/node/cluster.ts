/**
 * `berth serve --workers N`: N server processes (node:cluster) accepting on one port, like
 * nginx's worker processes. Each worker is the whole single-process server (server.ts) with its
 * own serve cache; the store and the repo index's compare-and-swap keep them consistent (two
 * regenerations racing on one repo never lose a package, test/repo/regenerate-azurite.test.ts).
 *
 * What the primary adds:
 * - The operator credential is settled once, before any worker starts, so a generated token is
 *   printed exactly once.
 * - Cache invalidations are relayed: a regeneration committed or a token revoked in one worker
 *   is applied in every other worker's cache at once (revocation stays "effective at once"; a
 *   new repomd.xml is served by every worker as soon as it is committed).
 * - The embedded store's compare-and-swap lock: the fs store serialises read-compare-rename per
 *   key with a lock, which must cover every process on the root. The primary grants it (FIFO per
 *   key) and frees what a dead worker held.
 * - Exactly one worker runs the GC and mirror timers (the "background" worker).
 * - A worker that dies is replaced (its role kept); a worker that fails before listening fails
 *   the start (e.g. the port is taken).
 * - Shutdown: every worker is asked to stop gracefully (finish requests, drain regenerations).
 */
import cluster, { type Worker } from 'node:cluster';
import { isCacheInvalidation, type CacheInvalidation } from '../../http/cache/serve-cache.js';
import type { Logger } from '../../core/logger.js';
import type { NodeConfig } from './config.js';
import type { KeyLockRunner } from '../../storage/fs-store.js';
import { KeyLocks } from '../../storage/key-locks.js';
import { createStore, secureStorage } from './deps.js';
import { logDeprecations, resolveOperatorHash, startServer, type RunningServer, type StartOptions } from './server.js';

const ROLE_ENV = 'BERTH_CLUSTER_BACKGROUND';

/** How long an invalidation waits for siblings that do not answer (e.g. one being replaced). */
const RELAY_TIMEOUT_MS = 2_000;

/**
 * Messages between the primary and its workers (over the cluster IPC channel). An invalidation
 * goes worker → primary (`invalidate`, with the worker's `seq`) → every other worker (`apply`,
 * with the primary's `id`) → primary (`applied`) → the first worker (`relayed`, its `seq`).
 */
type Message =
  | { berth: 'listening'; url: string; port: number }
  | { berth: 'failed'; error: string; code?: string }
  | { berth: 'invalidate'; event: CacheInvalidation; seq: number }
  | { berth: 'apply'; event: CacheInvalidation; id: number }
  | { berth: 'applied'; id: number }
  | { berth: 'relayed'; seq: number }
  | { berth: 'lock'; key: string; id: number }
  | { berth: 'granted'; id: number }
  | { berth: 'unlock'; key: string }
  | { berth: 'shutdown' };

function isMessage(m: unknown): m is Message {
  return typeof m === 'object' && m !== null && typeof (m as { berth?: unknown }).berth === 'string';
}

export class WorkerStartError extends Error {
  override name = 'WorkerStartError';
  constructor(message: string, readonly code: string | undefined) {
    super(message);
  }
}

/** In the primary: forks `config.workers` workers and resolves once all of them listen. */
export async function startCluster(config: NodeConfig, opts: StartOptions): Promise<RunningServer> {
  const { logger } = opts;
  logDeprecations(config, logger);
  await secureStorage(config.storage, logger);
  await resolveOperatorHash(config, await createStore(config.storage), opts);

  let stopping = false;
  let ready: { url: string; port: number } | null = null;
  const live = new Set<Worker>();

  // Relays in flight: which siblings have yet to apply, and whom to tell when none are left.
  let nextId = 0;
  const relays = new Map<number, { waiting: Set<Worker>; done: () => void }>();
  const settle = (id: number, w: Worker): void => {
    const r = relays.get(id);
    if (!r) return;
    r.waiting.delete(w);
    if (r.waiting.size === 0) r.done();
  };
  const relay = (from: Worker, event: CacheInvalidation, seq: number): void => {
    const id = nextId++;
    const waiting = new Set([...live].filter((w) => w !== from && w.isConnected()));
    const timer = setTimeout(() => {
      logger.warn('cache invalidation: a worker did not confirm in time', { kind: event.kind });
      done();
    }, RELAY_TIMEOUT_MS);
    const done = (): void => {
      clearTimeout(timer);
      relays.delete(id);
      if (from.isConnected()) from.send({ berth: 'relayed', seq } satisfies Message);
    };
    relays.set(id, { waiting, done });
    if (waiting.size === 0) return done();
    for (const w of waiting) w.send({ berth: 'apply', event, id } satisfies Message);
  };

  // The fs store's per-key CAS lock, for all workers: holder and FIFO waiters per key.
  const held = new Map<string, { w: Worker; id: number }>();
  const waiters = new Map<string, { w: Worker; id: number }[]>();
  const grantNext = (key: string): void => {
    const queue = waiters.get(key) ?? [];
    let next = queue.shift();
    while (next && !next.w.isConnected()) next = queue.shift();
    if (queue.length === 0) waiters.delete(key);
    if (!next) {
      held.delete(key);
      return;
    }
    held.set(key, next);
    next.w.send({ berth: 'granted', id: next.id } satisfies Message);
  };
  const lock = (w: Worker, key: string, id: number): void => {
    // A request can arrive after its worker's exit was handled: granting it then would hold the
    // key for a process that is gone, and no exit is left to free it.
    if (!live.has(w) || !w.isConnected()) return;
    if (!held.has(key)) {
      held.set(key, { w, id });
      w.send({ berth: 'granted', id } satisfies Message);
      return;
    }
    waiters.set(key, [...(waiters.get(key) ?? []), { w, id }]);
  };
  const unlock = (w: Worker, key: string): void => {
    if (held.get(key)?.w === w) grantNext(key);
  };
  const forget = (w: Worker): void => {
    for (const [key, queue] of waiters) waiters.set(key, queue.filter((q) => q.w !== w));
    for (const [key, h] of [...held]) if (h.w === w) grantNext(key);
  };

  const fork = (background: boolean): Worker => {
    const w = cluster.fork({ [ROLE_ENV]: background ? '1' : '0' });
    live.add(w);
    w.on('message', (m: unknown) => {
      if (!isMessage(m)) return;
      if (m.berth === 'invalidate' && isCacheInvalidation(m.event)) relay(w, m.event, m.seq);
      if (m.berth === 'applied') settle(m.id, w);
      if (m.berth === 'lock') lock(w, m.key, m.id);
      if (m.berth === 'unlock') unlock(w, m.key);
    });
    w.once('exit', (code, signal) => {
      live.delete(w);
      forget(w);
      for (const id of [...relays.keys()]) settle(id, w);
      if (stopping || ready === null) return;
      // Replaced after a pause, so a worker that dies at once does not spin the CPU.
      logger.error('worker exited; starting a replacement', { pid: w.process.pid, code, signal });
      setTimeout(() => {
        if (!stopping) fork(background);
      }, 1000).unref();
    });
    return w;
  };

  const starting = Array.from({ length: config.workers }, (_, i) => fork(i === 0));
  try {
    const answers = await Promise.all(starting.map((w) => new Promise<{ url: string; port: number }>((resolveReady, reject) => {
      w.on('message', (m: unknown) => {
        if (!isMessage(m)) return;
        if (m.berth === 'listening') resolveReady({ url: m.url, port: m.port });
        if (m.berth === 'failed') reject(new WorkerStartError(m.error, m.code));
      });
      w.once('exit', (code) => reject(new WorkerStartError(`a worker exited with ${code} before listening`, undefined)));
    })));
    ready = answers[0] ?? null;
  } catch (e) {
    stopping = true;
    for (const w of live) w.process.kill('SIGTERM');
    throw e;
  }
  if (ready === null) throw new WorkerStartError('no worker started', undefined);
  const { url, port } = ready;
  logger.info('listening', { url, port, host: config.host, storage: config.storage.kind, workers: config.workers });

  let closing: Promise<void> | null = null;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      stopping = true;
      const exits = [...live].map((w) => new Promise<void>((r) => {
        if (w.isDead()) return r();
        w.once('exit', () => r());
        if (w.isConnected()) w.send({ berth: 'shutdown' } satisfies Message);
        else w.process.kill('SIGTERM');
      }));
      await Promise.all(exits);
      logger.info('stopped');
    })();
    return closing;
  };
  return { url, port, close };
}

/**
 * In a worker: the single-process server with the cluster's role and channel. Resolves with
 * the server and a promise that settles when the primary asks it to stop.
 */
export async function startClusterWorker(
  config: NodeConfig, logger: Logger,
): Promise<{ server: RunningServer; shutdown: Promise<void> }> {
  const send = (m: Message): void => {
    if (process.connected) process.send?.(m);
  };
  const appliers: ((e: CacheInvalidation) => void)[] = [];
  let requestShutdown = (): void => {};
  const shutdown = new Promise<void>((r) => (requestShutdown = r));
  // Our invalidations waiting for the primary's `relayed`.
  let seq = 0;
  const pending = new Map<number, () => void>();
  const publish = (event: CacheInvalidation): Promise<void> => {
    if (!process.connected) return Promise.resolve();
    const mine = seq++;
    return new Promise<void>((resolveRelay) => {
      // Never hang a revocation or a regeneration on a primary that stopped answering.
      const timer = setTimeout(() => finish(), RELAY_TIMEOUT_MS + 1_000);
      const finish = (): void => {
        clearTimeout(timer);
        pending.delete(mine);
        resolveRelay();
      };
      pending.set(mine, finish);
      send({ berth: 'invalidate', event, seq: mine });
    });
  };
  const locks = new ClusterLocks(send);
  process.on('message', (m: unknown) => {
    if (!isMessage(m)) return;
    if (m.berth === 'granted') locks.granted(m.id);
    if (m.berth === 'apply' && isCacheInvalidation(m.event)) {
      for (const apply of appliers) apply(m.event);
      send({ berth: 'applied', id: m.id });
    }
    if (m.berth === 'relayed') pending.get(m.seq)?.();
    if (m.berth === 'shutdown') requestShutdown();
  });
  // The primary gone (killed) means nobody relays invalidations or restarts us: stop too.
  process.once('disconnect', () => {
    for (const finish of [...pending.values()]) finish();
    locks.primaryGone();
    requestShutdown();
  });
  let server: RunningServer;
  try {
    server = await startServer(config, {
      logger,
      print: () => {},
      worker: {
        background: process.env[ROLE_ENV] === '1',
        publish,
        locks,
        subscribe: (apply) => appliers.push(apply),
      },
    });
  } catch (e) {
    const code = (e as { code?: unknown }).code;
    send({ berth: 'failed', error: e instanceof Error ? e.message : String(e), ...(typeof code === 'string' ? { code } : {}) });
    throw e;
  }
  send({ berth: 'listening', url: server.url, port: server.port });
  return { server, shutdown };
}

export const isClusterWorker = (): boolean => cluster.isWorker;

/** Thrown instead of running a compare-and-swap without the cluster-wide lock. */
export class ClusterLockError extends Error {
  override name = 'ClusterLockError';
  readonly code = 'cluster_lock_unavailable';
}

/**
 * A worker's side of the store lock: queued per key in-process first (one request to the primary
 * per key at a time), then granted by the primary. Without a primary it refuses rather than run
 * a compare-and-swap another worker might interleave with.
 */
class ClusterLocks implements KeyLockRunner {
  readonly #local = new KeyLocks();
  readonly #waiting = new Map<number, { resolve: () => void; reject: (e: Error) => void }>();
  #next = 0;
  #gone = false;

  constructor(private readonly send: (m: Message) => void) {}

  run<T>(key: string, fn: () => Promise<T>): Promise<T> {
    return this.#local.run(key, async () => {
      await this.#acquire(key);
      try {
        return await fn();
      } finally {
        this.send({ berth: 'unlock', key });
      }
    });
  }

  granted(id: number): void {
    this.#waiting.get(id)?.resolve();
    this.#waiting.delete(id);
  }

  primaryGone(): void {
    this.#gone = true;
    for (const w of this.#waiting.values()) w.reject(new ClusterLockError('the berth serve primary is gone; store lock unavailable'));
    this.#waiting.clear();
  }

  #acquire(key: string): Promise<void> {
    if (this.#gone || !process.connected) return Promise.reject(new ClusterLockError('the berth serve primary is gone; store lock unavailable'));
    const id = this.#next++;
    return new Promise<void>((resolve, reject) => {
      this.#waiting.set(id, { resolve, reject });
      this.send({ berth: 'lock', key, id });
    });
  }
}
