/**
 * A per-process memory of immutable, content-named objects (index segments and lists): bounded
 * by an estimate of their bytes, least recently used out first, and single-flight — concurrent
 * loads of one key share one read. A value can never be stale: its key names its content.
 */
export class ObjectCache {
  readonly #map = new Map<string, { value: unknown; size: number }>();
  readonly #inflight = new Map<string, Promise<unknown>>();
  #used = 0;
  /** Loads that went to the store (for tests and diagnostics). */
  misses = 0;

  constructor(readonly budget: number) {}

  get bytesUsed(): number {
    return this.#used;
  }

  peek<T>(key: string): T | undefined {
    const e = this.#map.get(key);
    if (!e) return undefined;
    this.#map.delete(key);
    this.#map.set(key, e);
    return e.value as T;
  }

  /** The cached value, or `load()`'s (cached when it fits; `size` estimates its memory). */
  async get<T>(key: string, load: () => Promise<{ value: T; size: number }>): Promise<T> {
    const hit = this.peek<T>(key);
    if (hit !== undefined) return hit;
    const running = this.#inflight.get(key) as Promise<T> | undefined;
    if (running) return running;
    this.misses++;
    const p = load().then(({ value, size }) => {
      this.set(key, value, size);
      return value;
    }).finally(() => this.#inflight.delete(key));
    this.#inflight.set(key, p);
    return p;
  }

  set(key: string, value: unknown, size: number): void {
    const old = this.#map.get(key);
    if (old) {
      this.#map.delete(key);
      this.#used -= old.size;
    }
    if (size > this.budget) return;
    while (this.#used + size > this.budget) {
      const oldest = this.#map.entries().next();
      if (oldest.done) break;
      this.#map.delete(oldest.value[0]);
      this.#used -= oldest.value[1].size;
    }
    this.#map.set(key, { value, size });
    this.#used += size;
  }
}

/**
 * What a runtime on a remote store (Azure Blob) gives its member cache (regenerate.ts
 * `memberCache`): every compressed member of a 200,000-package repo (about 54 MB) fits.
 */
export const MEMBER_CACHE_BYTES = 64 * 1024 * 1024;

/** One cache per store object (per process), created on first use. */
export function cachePerStore<K extends object>(budget: number): (store: K) => ObjectCache {
  const caches = new WeakMap<K, ObjectCache>();
  return (store) => {
    let c = caches.get(store);
    if (!c) {
      c = new ObjectCache(budget);
      caches.set(store, c);
    }
    return c;
  };
}
