/**
 * The cache of the one dnf read path (docs/service.md, Serving from memory): per repo, in process
 * memory, the settings, the public key, the served generation's repomd.xml/.asc and the location
 * map; and immutable files (checksum-named repodata, package blobs) in the runtime's FileCache —
 * in memory under an LRU byte budget by default (the Node server), the Cache API on a Worker —
 * plus the credential verdicts (token-cache.ts) under the runtime's policy. Each runtime builds
 * one with its windows and choices; the read path itself does not change.
 *
 * Freshness:
 * - The generation and location map are trusted for `pointerTtlMs`, then re-read (one store read
 *   per repo per TTL). `invalidateRepo` (called by the in-process regeneration) drops them at
 *   once, so a new repomd.xml is served right after it is committed. A load that started before
 *   an invalidation never overwrites it (per-repo epoch).
 * - repomd.xml and its .asc are cached as one object from one generation record, so a response
 *   pair taken from the cache is always consistent, as when read from the store.
 * - Locations are resolved through the index head (its segment list id, kept `pointerTtlMs`) and
 *   the one segment covering the location (immutable, cached by id in the repo layer's object
 *   cache). A location not found re-reads the head at once (a new package is never refused
 *   because of the cache); a package deleted within the TTL still resolves, which is what the
 *   retained generations allow anyway.
 * - Every refill is single-flight: concurrent requests after a publish cause one read.
 * - Cached files are immutable by name (sha256 key or checksum file name), so their bytes are
 *   never wrong. GC may delete one: a cached copy is re-checked with `head` every `recheckMs`,
 *   so it outlives its deletion by at most that long — and GC deletes only files no retained
 *   generation has referenced for the whole retention window.
 * - Repo settings (create-only, never changed) and the public key are kept for `repoTtlMs`; a
 *   missing repo is remembered as missing for as long (no timing difference between another
 *   tenant's private repo and no repo). `invalidateRepo` (also called when a repo is created
 *   here) drops the settings with the rest.
 * In memory, files larger than `maxFileBytes` are never cached: they are streamed from the store.
 */
import type { BlobStore } from '../../storage/blob-store.js';
import type { RepoSettings } from '../../repo/tenancy.js';
import type { CachedSource, FileCache, FileRequest } from './file-cache.js';
import { MemoryFileCache } from './memory-files.js';
import { TokenCache, type TokenCachePolicy } from './token-cache.js';

export interface ServeCacheOptions {
  /** Total bytes of cached file contents; 0 disables file caching. */
  byteBudget: number;
  /** Files above this size are always streamed from the store. */
  maxFileBytes: number;
  /** How long the served generation and the location map are used without re-reading. */
  pointerTtlMs: number;
  /** How long repo settings and the public key are kept. */
  repoTtlMs: number;
  /** How long a cached file is served before checking it still exists (GC). */
  recheckMs: number;
  /** How long a verified credential is trusted (revocation elsewhere takes up to this long). */
  tokenTtlMs: number;
  maxTokens: number;
  /** Remember refused credentials too, and key credentials by their SHA-256 (the Worker's policy). */
  tokenPolicy?: Pick<TokenCachePolicy, 'cacheRefusals' | 'hashKeys'>;
  /**
   * Where immutable files are kept (file-cache.ts). Default: in memory, under `byteBudget`,
   * `maxFileBytes` and `recheckMs` (the Node server); the Worker passes the Cache API.
   */
  files?: FileCache;
  now?: () => number;
  /**
   * Told of every invalidation made through this cache (not of those applied with `apply`), so
   * sibling caches — the other worker processes of one `berth serve` — can apply it too. The
   * invalidating call resolves when the returned promise does (siblings have applied it).
   */
  onInvalidate?: (event: CacheInvalidation) => void | Promise<void>;
}

/** What one cache tells its siblings: a repo's metadata changed, or a token was revoked. */
export type CacheInvalidation =
  | { kind: 'repo'; tenant: string; repo: string }
  | { kind: 'token'; id: string };

export function isCacheInvalidation(v: unknown): v is CacheInvalidation {
  if (typeof v !== 'object' || v === null) return false;
  const o = v as Record<string, unknown>;
  return (o['kind'] === 'repo' && typeof o['tenant'] === 'string' && typeof o['repo'] === 'string') ||
    (o['kind'] === 'token' && typeof o['id'] === 'string');
}

export const DEFAULT_SERVE_CACHE: ServeCacheOptions = {
  byteBudget: 64 * 1024 * 1024,
  maxFileBytes: 1024 * 1024,
  pointerTtlMs: 1_000,
  repoTtlMs: 30_000,
  recheckMs: 30_000,
  tokenTtlMs: 5_000,
  maxTokens: 1_024,
};

/** Everything off: every request reads the store, as without a cache. */
export const NO_SERVE_CACHE: ServeCacheOptions = {
  byteBudget: 0, maxFileBytes: 0, pointerTtlMs: 0, repoTtlMs: 0, recheckMs: 0, tokenTtlMs: 0, maxTokens: 0,
};

/** What serving needs of an index head: its ETag and the id of its segment list. */
export interface IndexPointer {
  etag: string;
  list: string | null;
}

export interface MemoryDoc {
  bytes: Uint8Array;
  etag: string;
  lastModified: Date;
}

export interface ServedGeneration {
  revision: number;
  repomd: MemoryDoc;
  /** Null when the generation has no signature (a mirror of an unsigned upstream). */
  asc: MemoryDoc | null;
  /** File names under repodata/ that the generation lists. */
  files: string[];
  /** The texts they were built from (to recognise an unchanged generation on re-read). */
  texts: [string, string];
}

interface Slot<T> {
  value: T;
  at: number;
}

interface RepoState {
  epoch: number;
  /** Absence (null) is kept too, for as long as presence: see `settings`. */
  settings?: Slot<{ settings: RepoSettings | null }>;
  key?: Slot<MemoryDoc>;
  generation?: Slot<ServedGeneration>;
  head?: Slot<IndexPointer>;
}

export class ServeCache {
  readonly tokens: TokenCache;
  readonly #repos = new Map<string, RepoState>();
  readonly #files: FileCache;
  readonly #inflight = new Map<string, Promise<unknown>>();
  readonly #now: () => number;

  constructor(readonly options: ServeCacheOptions = DEFAULT_SERVE_CACHE) {
    this.#now = options.now ?? Date.now;
    this.#files = options.files ?? new MemoryFileCache({
      byteBudget: options.byteBudget, maxFileBytes: options.maxFileBytes, recheckMs: options.recheckMs, now: this.#now,
    });
    this.tokens = new TokenCache({ ttlMs: options.tokenTtlMs, maxEntries: options.maxTokens, ...options.tokenPolicy, now: this.#now });
  }

  /** Bytes of file content held (for tests and diagnostics). */
  get fileBytes(): number {
    return this.#files.bytesUsed;
  }

  /**
   * The repo's metadata changed (regeneration committed, or its metadata keys): forget its generation, index head and key.
   * Applied here at once; the promise settles when siblings (if any) have applied it too.
   */
  invalidateRepo(tenant: string, repo: string): Promise<void> {
    return this.#invalidate({ kind: 'repo', tenant, repo });
  }

  /** Token `id` was revoked: forget every cached credential of it (here at once, then siblings). */
  forgetToken(id: string): Promise<void> {
    return this.#invalidate({ kind: 'token', id });
  }

  async #invalidate(event: CacheInvalidation): Promise<void> {
    this.apply(event);
    await this.options.onInvalidate?.(event);
  }

  /** Applies an invalidation (made here or received from a sibling) without telling anyone. */
  apply(event: CacheInvalidation): void {
    if (event.kind === 'token') {
      this.tokens.forgetId(event.id);
      return;
    }
    const st = this.#repos.get(`${event.tenant}/${event.repo}`);
    if (!st) return;
    st.epoch++;
    delete st.settings;
    delete st.key; // a metadata key rotation publishes other keys
    delete st.generation;
    delete st.head;
  }

  /**
   * A repo's settings, or null when there is no such repo. Absence is kept as long as presence:
   * a missing repo must cost exactly what another tenant's private one costs (no timing oracle).
   * A repo created through this process is seen at once (the create route invalidates it);
   * one created elsewhere within `repoTtlMs`.
   */
  async settings(tenant: string, repo: string, load: () => Promise<RepoSettings | null>): Promise<RepoSettings | null> {
    const got = await this.#slot(tenant, repo, 'settings', this.options.repoTtlMs, async () => ({ settings: await load() }));
    return got?.settings ?? null;
  }

  publicKey(tenant: string, repo: string, load: () => Promise<MemoryDoc | null>): Promise<MemoryDoc | null> {
    return this.#slot(tenant, repo, 'key', this.options.repoTtlMs, load);
  }

  /** `load` builds a ServedGeneration; `same` lets an unchanged re-read keep the cached one. */
  generation(tenant: string, repo: string, load: (previous: ServedGeneration | undefined) => Promise<ServedGeneration | null>): Promise<ServedGeneration | null> {
    const prev = this.#repos.get(`${tenant}/${repo}`)?.generation?.value;
    return this.#slot(tenant, repo, 'generation', this.options.pointerTtlMs, () => load(prev));
  }

  /*
   * Synchronous peeks for the hit path: the cached value when it is fresh, undefined when the
   * async method would have to load or check something (then the caller uses that method).
   */
  /** Cached settings, null for a repo cached as missing, undefined when not cached. */
  settingsNow(tenant: string, repo: string): RepoSettings | null | undefined {
    return this.#fresh(this.#repos.get(`${tenant}/${repo}`)?.settings, this.options.repoTtlMs)?.settings;
  }

  generationNow(tenant: string, repo: string): ServedGeneration | undefined {
    return this.#fresh(this.#repos.get(`${tenant}/${repo}`)?.generation, this.options.pointerTtlMs);
  }

  /** `findNow` looks the location up synchronously in a list (undefined: not in memory). */
  locationNow(tenant: string, repo: string, findNow: (list: string | null) => string | undefined): string | undefined {
    const head = this.#fresh(this.#repos.get(`${tenant}/${repo}`)?.head, this.options.pointerTtlMs);
    return head ? findNow(head.list) : undefined;
  }

  fileNow(key: string): CachedSource | undefined {
    return this.#files.now(key);
  }

  #fresh<T>(slot: Slot<T> | undefined, ttl: number): T | undefined {
    return slot && this.#now() - slot.at < ttl ? slot.value : undefined;
  }

  /**
   * sha256 of a package in the current index: `find` looks it up in a segment list (reading the
   * covering segment); `readHead` reads the index head (null: no index). A miss in a cached head
   * re-reads the head at once (single-flight) and looks again.
   */
  async location(
    tenant: string, repo: string,
    readHead: () => Promise<IndexPointer | null>,
    find: (list: string | null) => Promise<string | undefined>,
  ): Promise<string | undefined> {
    const st = this.#state(tenant, repo);
    const cached = st.head;
    let looked: string | null | undefined;
    if (cached && this.#now() - cached.at < this.options.pointerTtlMs) {
      const sha = await find(cached.value.list);
      if (sha !== undefined) return sha;
      looked = cached.value.list;
    }
    const epoch = st.epoch;
    const head = await this.#once(`head:${tenant}/${repo}:${epoch}`, async () => {
      const at = this.#now();
      const value = await readHead();
      // Kept even with a zero TTL: a list id is immutable, only its freshness expires.
      if (value && st.epoch === epoch) st.head = { value, at };
      return value;
    });
    if (!head || looked === head.list) return undefined;
    return find(head.list);
  }

  /**
   * A servable source for the immutable blob at `key` from the file cache (in memory on Node, the
   * Cache API on a Worker), otherwise streamed from the store. Null when the blob does not exist.
   */
  file(store: BlobStore, key: string, req?: FileRequest): Promise<CachedSource | null> {
    return this.#files.get(store, key, req);
  }

  #state(tenant: string, repo: string): RepoState {
    const id = `${tenant}/${repo}`;
    let st = this.#repos.get(id);
    if (!st) {
      st = { epoch: 0 };
      this.#repos.set(id, st);
    }
    return st;
  }

  async #slot<K extends 'settings' | 'key' | 'generation'>(
    tenant: string, repo: string, name: K, ttl: number,
    load: () => Promise<NonNullable<RepoState[K]>['value'] | null>,
  ): Promise<NonNullable<RepoState[K]>['value'] | null> {
    type V = NonNullable<RepoState[K]>['value'];
    const st = this.#state(tenant, repo);
    const cur = st[name] as Slot<V> | undefined;
    if (cur && this.#now() - cur.at < ttl) return cur.value;
    const epoch = st.epoch;
    return this.#once(`${name}:${tenant}/${repo}:${epoch}`, async () => {
      const at = this.#now();
      const value = await load();
      // Absence is not cached: a repo or generation created a moment later must show up.
      if (value !== null && ttl > 0 && st.epoch === epoch) (st as Record<K, Slot<V>>)[name] = { value, at };
      return value;
    });
  }

  /** Concurrent identical loads share one store read. */
  #once<T>(key: string, load: () => Promise<T>): Promise<T> {
    const running = this.#inflight.get(key) as Promise<T> | undefined;
    if (running) return running;
    const p = load().finally(() => this.#inflight.delete(key));
    this.#inflight.set(key, p);
    return p;
  }
}
