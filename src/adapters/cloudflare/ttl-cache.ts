/**
 * Small in-isolate caches for the edge. Entries expire after a fixed time (that bound is what
 * makes a revoked token stop working within the configured window) and the map is bounded, oldest
 * first, so an isolate serving many tenants does not grow without limit.
 */
export class TtlCache<V> {
  readonly #map = new Map<string, { value: V; expires: number }>();

  constructor(
    private readonly ttlMs: number,
    private readonly max = 1000,
    private readonly now: () => number = Date.now,
  ) {}

  get(key: string): V | undefined {
    const e = this.#map.get(key);
    if (!e) return undefined;
    if (e.expires <= this.now()) {
      this.#map.delete(key);
      return undefined;
    }
    return e.value;
  }

  set(key: string, value: V): void {
    if (this.ttlMs <= 0) return;
    this.#map.delete(key);
    this.#map.set(key, { value, expires: this.now() + this.ttlMs });
    while (this.#map.size > this.max) this.#map.delete(this.#map.keys().next().value as string);
  }

  /** The cached value, or `load()`'s (cached); concurrent misses for one key share one load. */
  async through(key: string, load: () => Promise<V>): Promise<V> {
    const hit = this.get(key);
    if (hit !== undefined) return hit;
    let p = this.#loading.get(key);
    if (!p) {
      p = load().finally(() => this.#loading.delete(key));
      this.#loading.set(key, p);
    }
    const value = await p;
    this.set(key, value);
    return value;
  }

  readonly #loading = new Map<string, Promise<V>>();
}
