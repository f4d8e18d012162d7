/**
 * Remembers which credentials verified, for a few seconds, so a busy dnf client does not cost a
 * SHA-256 and a store read per request. Only successes are kept: a bad credential is checked
 * every time (and an attacker's random tokens cannot fill memory with entries).
 *
 * Consequence, by design: a token revoked or expired elsewhere (another instance, or a direct
 * store change) keeps working for at most `ttlMs`. A revocation through this process's API is
 * exact: the route calls `forgetId`, which drops every cached credential of that token id.
 *
 * Keys are raw Authorization header values (middleware/auth.ts), so a hit skips the Basic
 * decoding too; they hold secrets exactly like the credentials themselves and never leave memory.
 */
import type { Principal } from '../../auth/principal.js';

export interface TokenCacheOptions {
  ttlMs: number;
  maxEntries: number;
  now?: () => number;
}

export class TokenCache {
  readonly #map = new Map<string, { principal: Principal; until: number }>();
  readonly #now: () => number;

  constructor(private readonly opts: TokenCacheOptions) {
    this.#now = opts.now ?? Date.now;
  }

  get(credential: string): Principal | undefined {
    const e = this.#map.get(credential);
    if (!e) return undefined;
    if (this.#now() >= e.until) {
      this.#map.delete(credential);
      return undefined;
    }
    return e.principal;
  }

  set(credential: string, principal: Principal): void {
    if (this.opts.ttlMs <= 0 || this.opts.maxEntries <= 0) return;
    this.#map.delete(credential);
    while (this.#map.size >= this.opts.maxEntries) {
      const oldest = this.#map.keys().next();
      if (oldest.done) break;
      this.#map.delete(oldest.value);
    }
    this.#map.set(credential, { principal, until: this.#now() + this.opts.ttlMs });
  }

  /** Drops every cached credential of API token `id` (after a revoke in this process). */
  forgetId(id: string): void {
    for (const [k, e] of this.#map) {
      if (e.principal.kind === 'token' && e.principal.id === id) this.#map.delete(k);
    }
  }
}
