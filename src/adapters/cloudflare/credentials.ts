/**
 * Who is calling, as the edge sees it: the same rules as the app's auth middleware (Bearer or
 * Basic with the token as password; a bad credential is 401, never anonymous), but a verdict is
 * reused for at most `ttlSeconds` (≤ 60) per isolate, so dnf's burst of requests costs one store
 * read, and a token revoked at the origin is refused everywhere within that window. Negative
 * verdicts are cached too: a revoked or bogus token cannot make every request hit the store.
 * Entries are keyed by the SHA-256 of the credential, so the isolate never holds the secret.
 */
import { isOperatorToken } from '../../auth/operator.js';
import { sha256Hex } from '../../auth/crypto.js';
import type { Principal } from '../../auth/principal.js';
import { verifyToken } from '../../auth/tokens.js';
import type { AppDeps } from '../../http/deps.js';
import { presentedCredential } from '../../http/middleware/auth.js';
import { TtlCache } from './ttl-cache.js';

export class CredentialCache {
  readonly #verdicts: TtlCache<Principal | 'invalid'>;

  constructor(
    private readonly deps: Pick<AppDeps, 'store' | 'clock' | 'config'>,
    ttlSeconds: number,
  ) {
    this.#verdicts = new TtlCache(ttlSeconds * 1000, 10_000);
  }

  /** The principal for an Authorization header; 'invalid' for a credential that must get 401. Throws 401 for malformed headers. */
  async principal(authorization: string | null): Promise<Principal | 'invalid'> {
    const credential = presentedCredential(authorization ?? undefined);
    if (credential === null) return { kind: 'anonymous' };
    const id = await sha256Hex(credential);
    return this.#verdicts.through(id, async () => {
      if (await isOperatorToken(credential, this.deps.config.operatorTokenHash)) return { kind: 'operator' };
      return (await verifyToken(this.deps.store, credential, this.deps.clock())) ?? 'invalid';
    });
  }
}
