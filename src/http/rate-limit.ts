/**
 * Per-token rate limits (docs/service.md, Limits): at most `requests` requests per token in each
 * fixed window of `windowSeconds` (windows start at multiples of the window since the epoch, so
 * every instance counts the same windows). Request N+1 of a window is answered 429
 * `rate_limited` with `Retry-After` = the seconds until the next window. Counted where the
 * credential is checked (middleware/auth.ts), so the dnf pre-router and the API count alike, on
 * every runtime. The count is per process (per isolate on Workers): several instances each allow
 * `requests`. Off unless configured (BERTH_RATE_LIMIT); the operator is never limited, and
 * anonymous reads are not counted (there is no token to count them by).
 *
 * The operator may set a tenant's own limit (repo/tenant-limits.ts): `TenantRateLimits` holds
 * each tenant's overrides for `TENANT_LIMITS_TTL_MS` (one small read per tenant per interval per
 * process), so a change takes effect at once where it was made and within that interval elsewhere.
 */
import type { BlobStore } from '../storage/blob-store.js';
import { readTenantLimits, type TenantLimits } from '../repo/tenant-limits.js';
import { ProblemError } from './problem.js';

export interface RateLimitConfig {
  /** Requests per token per window; 0: no limit unless a tenant has its own. */
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

  /** Counts one request of `id`; throws 429 when it is over `requests` (default: the configured limit) in the current window. */
  hit(id: string, requests = this.config.requests): void {
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
    if (entry.count > requests) {
      const retryAfter = Math.max(1, Math.ceil(((window + 1) * windowMs - t) / 1000));
      throw new ProblemError(429, 'rate_limited',
        `this token made more than ${requests} requests in ${this.config.windowSeconds} s: try again in ${retryAfter} s`,
        { limit: requests, windowSeconds: this.config.windowSeconds }, { 'Retry-After': String(retryAfter) });
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

/** How long a process keeps a tenant's overrides before reading them again. */
export const TENANT_LIMITS_TTL_MS = 30_000;
/** Tenants whose overrides are held at once (beyond it the table starts over). */
const MAX_TENANTS = 10_000;

/** Each tenant's rate-limit override, read from the store at most once per TTL (synchronous when held). */
export class TenantRateLimits {
  readonly #held = new Map<string, { limits: TenantLimits; until: number }>();
  readonly #reading = new Map<string, Promise<TenantLimits>>();

  constructor(
    private readonly store: BlobStore,
    private readonly now: () => number = Date.now,
  ) {}

  /** The tenant's overrides: at once when held, else after one read (shared by concurrent callers). */
  get(tenant: string): TenantLimits | Promise<TenantLimits> {
    const held = this.#held.get(tenant);
    if (held !== undefined && held.until > this.now()) return held.limits;
    const running = this.#reading.get(tenant);
    if (running) return running;
    const p = readTenantLimits(this.store, tenant).then((limits) => {
      if (this.#held.size >= MAX_TENANTS) this.#held.clear();
      this.#held.set(tenant, { limits, until: this.now() + TENANT_LIMITS_TTL_MS });
      return limits;
    }).finally(() => this.#reading.delete(tenant));
    this.#reading.set(tenant, p);
    return p;
  }

  /** Drops what is held for `tenant` (its limits just changed here). */
  forget(tenant: string): void {
    this.#held.delete(tenant);
  }
}
