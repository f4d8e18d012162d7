/**
 * Least-recently-used map bounded by the total size of its values (bytes), not their count.
 * A value larger than the whole budget is never stored. Map iteration order is insertion order,
 * so re-inserting on every hit keeps the coldest entry first.
 */
export class ByteLru<V> {
  readonly #map = new Map<string, { value: V; size: number }>();
  #used = 0;

  constructor(readonly budget: number) {}

  get bytesUsed(): number {
    return this.#used;
  }

  get size(): number {
    return this.#map.size;
  }

  get(key: string): V | undefined {
    const e = this.#map.get(key);
    if (!e) return undefined;
    this.#map.delete(key);
    this.#map.set(key, e);
    return e.value;
  }

  /** Stores `value` (replacing any older one); returns false when it cannot fit at all. */
  set(key: string, value: V, size: number): boolean {
    this.delete(key);
    if (size > this.budget) return false;
    while (this.#used + size > this.budget) {
      const oldest = this.#map.keys().next();
      if (oldest.done) break;
      this.delete(oldest.value);
    }
    this.#map.set(key, { value, size });
    this.#used += size;
    return true;
  }

  delete(key: string): boolean {
    const e = this.#map.get(key);
    if (!e) return false;
    this.#map.delete(key);
    this.#used -= e.size;
    return true;
  }
}
