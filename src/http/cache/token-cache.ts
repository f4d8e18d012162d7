/**
 * Remembers credential verdicts for a few seconds, so a busy dnf client does not cost a SHA-256
 * and a store read per request. What is remembered, and for how long, is the runtime's policy:
 *
 * - `ttlMs` (BERTH_TOKEN_CACHE_SECONDS): a token revoked elsewhere (another instance, or a direct
 *   store change) keeps working for at most this long. A revocation through this process's API
 *   is exact: the route calls `forgetId`, which drops every cached credential of that token id.
 * - A verdict never outlives the token itself: an entry expires at the token's `expiresAt` when
 *   that comes before the TTL.
 * - `cacheRefusals`: whether a refused credential is remembered too (the Worker: each store read
 *   is a billed subrequest, so a bogus or revoked token must not cost one per request). Off on
 *   the Node server, where a refusal is checked every time and an attacker's random tokens
 *   cannot push verified ones out of the bounded map.
 *
 * Keys are what the caller chooses (middleware/auth.ts: the raw Authorization value, or its
 * SHA-256 where the policy says the secret is not to be held).
 */
import type { Principal } from '../../auth/principal.js';

export interface TokenCachePolicy {
  ttlMs: number;
  maxEntries: number;
  /** Remember refusals as well as successes (for `ttlMs` too). */
  cacheRefusals?: boolean;
  /** Key entries by the SHA-256 of the Authorization value instead of the value itself. */
  hashKeys?: boolean;
}

export interface TokenCacheOptions extends TokenCachePolicy {
  now?: () => number;
}

/** A remembered refusal (`get` returns it for a credential that must get 401). */
export const REFUSED = 'refused';

export class TokenCache {
  readonly #map = new Map<string, { verdict: Principal | typeof REFUSED; until: number }>();
  readonly #now: () => number;

  constructor(readonly opts: TokenCacheOptions) {
    this.#now = opts.now ?? Date.now;
  }

  /** The remembered verdict: a principal, REFUSED, or undefined when there is none (or it expired). */
  get(key: string): Principal | typeof REFUSED | undefined {
    const e = this.#map.get(key);
    if (!e) return undefined;
    if (this.#now() >= e.until) {
      this.#map.delete(key);
      return undefined;
    }
    return e.verdict;
  }

  /** Remembers a success; `expiresAt` (ms since the epoch, null = never) caps how long. */
  set(key: string, principal: Principal, expiresAt: number | null = null): void {
    this.#put(key, principal, expiresAt);
  }

  /** Remembers a refusal, when the policy says so. */
  refuse(key: string): void {
    if (this.opts.cacheRefusals) this.#put(key, REFUSED, null);
  }

  #put(key: string, verdict: Principal | typeof REFUSED, expiresAt: number | null): void {
    if (this.opts.ttlMs <= 0 || this.opts.maxEntries <= 0) return;
    const now = this.#now();
    const until = Math.min(now + this.opts.ttlMs, expiresAt ?? Infinity);
    if (until <= now) return;
    this.#map.delete(key);
    while (this.#map.size >= this.opts.maxEntries) {
      const oldest = this.#map.keys().next();
      if (oldest.done) break;
      this.#map.delete(oldest.value);
    }
    this.#map.set(key, { verdict, until });
  }

  /** Drops every cached credential of API token `id` (after a revoke in this process). */
  forgetId(id: string): void {
    for (const [k, e] of this.#map) {
      if (e.verdict !== REFUSED && e.verdict.kind === 'token' && e.verdict.id === id) this.#map.delete(k);
    }
  }
}
