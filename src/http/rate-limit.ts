/**
 * Per-token rate limits (docs/service.md, Limits): at most `requests` requests per token in each
 * fixed window of `windowSeconds` (windows start at multiples of the window since the epoch, so
 * every instance counts the same windows). Request N+1 of a window is answered 429
 * `rate_limited` with `Retry-After` = the seconds until the next window. Counted where the
 * credential is checked (middleware/auth.ts), so the dnf pre-router and the API count alike, on
 * every runtime. The count is per process (per isolate on Workers): several instances each allow
 * `requests`. Off unless configured (BERTH_RATE_LIMIT); the operator is never limited, and
 * anonymous reads are not counted (there is no token to count them by).
 */
import { ProblemError } from './problem.js';

export interface RateLimitConfig {
  /** Requests per token per window. */
  requests: number;
  windowSeconds: number;
}

/** Tokens remembered at once; beyond it the oldest window's entries go first (counts restart). */
const MAX_TRACKED = 100_000;

export class RateLimiter {
  readonly #counts = new Map<string, { window: number; count: number }>();

  constructor(
    readonly config: RateLimitConfig,
    private readonly now: () => number = Date.now,
  ) {}

  /** Counts one request of `id`; throws 429 when it is over the limit of the current window. */
  hit(id: string): void {
    const windowMs = this.config.windowSeconds * 1000;
    const t = this.now();
    const window = Math.floor(t / windowMs);
    let entry = this.#counts.get(id);
    if (entry === undefined || entry.window !== window) {
      if (entry === undefined && this.#counts.size >= MAX_TRACKED) this.#prune(window);
      entry = { window, count: 0 };
      this.#counts.set(id, entry);
    }
    entry.count++;
    if (entry.count > this.config.requests) {
      const retryAfter = Math.max(1, Math.ceil(((window + 1) * windowMs - t) / 1000));
      throw new ProblemError(429, 'rate_limited',
        `this token made more than ${this.config.requests} requests in ${this.config.windowSeconds} s: try again in ${retryAfter} s`,
        { limit: this.config.requests, windowSeconds: this.config.windowSeconds }, { 'Retry-After': String(retryAfter) });
    }
  }

  /** Drops entries of past windows (and, if that frees nothing, everything). */
  #prune(window: number): void {
    for (const [k, v] of this.#counts) if (v.window !== window) this.#counts.delete(k);
    if (this.#counts.size >= MAX_TRACKED) this.#counts.clear();
  }

  /** Tokens tracked (tests). */
  get size(): number {
    return this.#counts.size;
  }
}
