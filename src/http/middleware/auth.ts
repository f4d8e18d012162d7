/**
 * Who is calling. `Authorization: Bearer <token>` or `Basic base64(user:token)` (dnf/tdnf send
 * only Basic; the user name is ignored). No header → anonymous; the operator credential →
 * operator; anything else must be a live API token or the request ends here with 401
 * `invalid_token` — a bad credential is never downgraded to anonymous, so a typo cannot silently
 * read public data as someone else.
 *
 * Routes then call `requireAccess` with the `Access` they need (src/auth/principal.ts).
 */
import type { RateLimiter, TenantRateLimits } from '../rate-limit.js';
import type { TenantLimits } from '../../repo/tenant-limits.js';
import type { Context, MiddlewareHandler } from 'hono';
import { isOperatorToken } from '../../auth/operator.js';
import { authorize, type Access, type Decision, type Principal, type Scope } from '../../auth/principal.js';
import { verifyTokenUntil } from '../../auth/tokens.js';
import { toHex } from '../../core/platform.js';
import { getRepo } from '../../repo/repos.js';
import type { BlobStore } from '../../storage/blob-store.js';
import { REFUSED } from '../cache/token-cache.js';
import type { AppDeps } from '../deps.js';
import type { AppEnv } from '../env.js';
import { notFound } from '../errors.js';
import { ProblemError } from '../problem.js';

export const CHALLENGE = { 'WWW-Authenticate': 'Basic realm="berth"' };

function invalidToken(detail: string): ProblemError {
  return new ProblemError(401, 'invalid_token', detail, {}, CHALLENGE);
}

/** The credential in an Authorization header: null when absent; throws 401 when unusable. */
export function presentedCredential(header: string | undefined): string | null {
  if (header === undefined || header.trim() === '') return null;
  const m = /^(\S+)\s+(.+)$/.exec(header.trim());
  if (!m) throw invalidToken('malformed Authorization header');
  const scheme = (m[1] as string).toLowerCase();
  const value = (m[2] as string).trim();
  if (scheme === 'bearer') return value;
  if (scheme === 'basic') {
    let decoded: string;
    try {
      decoded = new TextDecoder('utf-8', { fatal: true }).decode(Uint8Array.from(atob(value), (ch) => ch.charCodeAt(0)));
    } catch {
      throw invalidToken('malformed Basic credentials');
    }
    // The token is the password; `curl -u TOKEN:` puts it in the user name instead, accept that too.
    const colon = decoded.indexOf(':');
    const user = colon < 0 ? decoded : decoded.slice(0, colon);
    const token = (colon < 0 ? '' : decoded.slice(colon + 1)) || user;
    if (token === '') throw invalidToken('Basic credentials need the token as the password');
    return token;
  }
  throw invalidToken(`unsupported authorization scheme ${JSON.stringify(scheme.slice(0, 20))}: use Bearer or Basic`);
}

const ANONYMOUS: Principal = Object.freeze({ kind: 'anonymous' });
const REVOKED = 'the token is invalid, expired or revoked';

/**
 * The principal behind an Authorization header (undefined: none). Verdicts are remembered in the
 * serve cache's TokenCache under the runtime's policy (cache/token-cache.ts): keyed by the raw
 * header (a repeated credential then costs one map lookup: no Basic decoding, no hash) or by its
 * SHA-256, never past the token's expiry, refusals too where the policy says so.
 */
/** The rate limiter and each tenant's override of its limit (http/rate-limit.ts). */
export interface RateLimits {
  limiter: RateLimiter;
  tenants: TenantRateLimits;
}

/**
 * Reads the Authorization header into a principal (cached, single-flight). With `limits`,
 * every request of a token counts against its rate limit — its tenant's own when the operator
 * set one, else the server's (429 over it) — whatever route it is for: the dnf pre-router and
 * the app's middleware share one.
 */
export function authenticator(
  deps: Pick<AppDeps, 'store' | 'clock' | 'config' | 'cache' | 'platform'>, limits?: RateLimits,
): (header: string | undefined) => Principal | Promise<Principal> {
  const limit = (p: Principal): Principal | Promise<Principal> => {
    if (limits === undefined || p.kind !== 'token') return p;
    const apply = (o: TenantLimits): Principal => {
      const requests = o.rateLimit !== undefined ? o.rateLimit : limits.limiter.config.requests;
      if (requests !== null && requests > 0) limits.limiter.hit(p.id, requests);
      return p;
    };
    const held = limits.tenants.get(p.tenant);
    return held instanceof Promise ? held.then(apply) : apply(held);
  };
  const cache = deps.cache?.tokens;
  const keyOf = cache?.opts.hashKeys
    ? (header: string): string => {
        const h = deps.platform.createHash('sha256');
        h.update(new TextEncoder().encode(header));
        return toHex(h.digest());
      }
    : (header: string): string => header;
  const verify = async (key: string, credential: string): Promise<Principal> => {
    if (await isOperatorToken(credential, deps.config.operatorTokenHash)) {
      const operator: Principal = { kind: 'operator' };
      cache?.set(key, operator);
      return operator;
    }
    const verified = await verifyTokenUntil(deps.store, credential, deps.clock());
    if (!verified) {
      cache?.refuse(key);
      throw invalidToken(REVOKED);
    }
    cache?.set(key, verified.principal, verified.expiresAt);
    return verified.principal;
  };
  // Single-flight: concurrent requests with one credential the cache does not hold (a burst
  // after its TTL ran out) cost one verification, not one each.
  const inflight = new Map<string, Promise<Principal>>();
  const verifyOnce = (key: string, credential: string): Promise<Principal> => {
    const running = inflight.get(key);
    if (running) return running;
    const p = verify(key, credential).finally(() => inflight.delete(key));
    inflight.set(key, p);
    return p;
  };
  return (header) => {
    if (header === undefined) return ANONYMOUS;
    const key = cache ? keyOf(header) : header;
    const hit = cache?.get(key);
    if (hit === REFUSED) throw invalidToken(REVOKED);
    if (hit !== undefined) return limit(hit);
    const credential = presentedCredential(header);
    if (credential === null) return ANONYMOUS;
    return (cache ? verifyOnce(key, credential) : verify(key, credential)).then(limit);
  };
}

export function authMiddleware(deps: Pick<AppDeps, 'store' | 'clock' | 'config' | 'cache' | 'platform'>, limits?: RateLimits): MiddlewareHandler<AppEnv> {
  const authenticate = authenticator(deps, limits);
  return async (c, next) => {
    c.set('principal', await authenticate(c.req.header('authorization')));
    await next();
  };
}

export interface RequireAccessOptions {
  /** The 404 to answer instead of the default for `access` (e.g. for a token id). */
  notFound?: ProblemError;
}

/**
 * Throws the problem `authorize` calls for; returns the principal when allowed. The not-found
 * answer is the same problem a truly missing tenant/repo gets (`notFound` in errors.ts).
 */
export function requireAccess(c: Context<AppEnv>, access: Access, repoIsPublic = false, options: RequireAccessOptions = {}): Principal {
  return requirePrincipalAccess(c.get('principal'), access, repoIsPublic, options);
}

/** `requireAccess` for a principal already at hand (the dnf pre-router has no hono context). */
export function requirePrincipalAccess(principal: Principal, access: Access, repoIsPublic = false, options: RequireAccessOptions = {}): Principal {
  const decision = authorize(principal, access, repoIsPublic);
  if (decision === 'allow') return principal;
  throw refusal(decision, access, options);
}

function refusal(decision: Exclude<Decision, 'allow'>, access: Access, options: RequireAccessOptions = {}): ProblemError {
  switch (decision) {
    case 'unauthenticated':
      return new ProblemError(401, 'unauthenticated', 'credentials required', {}, CHALLENGE);
    case 'forbidden':
      return new ProblemError(403, 'forbidden', `this credential may not ${access.operatorOnly ? 'do that (operator only)' : access.action} here`);
    case 'not-found':
      return options.notFound ?? notFound(access.tenant, access.repo);
  }
}

/**
 * How access to one repo depends on the repo: `allow` or a refusal whatever the repo is (then
 * nothing about it needs reading), or allowed only if the repo is public, refused `otherwise`.
 */
export type RepoDecision = Decision | { ifPublic: 'allow'; otherwise: Exclude<Decision, 'allow'> };

export function repoDecision(principal: Principal, access: Access & { repo: string }): RepoDecision {
  const ifPrivate = authorize(principal, access, false);
  // A public repo only ever turns a refusal into `allow` (reads), so when the two differ the
  // public answer is `allow`.
  return ifPrivate === authorize(principal, access, true) || ifPrivate === 'allow' ? ifPrivate : { ifPublic: 'allow', otherwise: ifPrivate };
}

/** Throws the refusal when `decision` refuses whatever the repo is. */
export function refuseRegardless(decision: RepoDecision, access: Access): asserts decision is 'allow' | { ifPublic: 'allow'; otherwise: Exclude<Decision, 'allow'> } {
  if (typeof decision === 'string' && decision !== 'allow') throw refusal(decision, access);
}

/** The rest of the decision once the repo's settings (null: no such repo) are known. */
export function settingsAllowed<S extends { public: boolean }>(decision: 'allow' | { otherwise: Exclude<Decision, 'allow'> }, access: Access & { repo: string }, settings: S | null): S {
  if (decision !== 'allow' && !settings?.public) throw refusal(decision.otherwise, access);
  if (!settings) throw notFound(access.tenant, access.repo);
  return settings;
}

/**
 * Access to a repo, decided before anything about the repo is read: a refusal that does not
 * depend on the repo is thrown without reading it, and when the answer depends on whether the
 * repo is public, `lookup` is the same single read for a private repo and a missing one. So
 * neither the answer nor the work behind it (timing included) tells a caller who may not see a
 * repo whether it exists. Returns the settings; 404 for a missing repo only to callers allowed
 * to see it.
 */
export async function requireRepoAccess<S extends { public: boolean }>(
  principal: Principal, access: Access & { repo: string }, lookup: () => Promise<S | null>,
): Promise<S> {
  const decision = repoDecision(principal, access);
  refuseRegardless(decision, access);
  return settingsAllowed(decision, access, await lookup());
}

/**
 * The `:tenant/:repo` a route names, after `requireRepoAccess` for `action` (the repo looked up
 * in `store`): what every per-repo API route starts with.
 */
export async function repoRoute(
  c: Context<AppEnv>, store: BlobStore, action: Scope,
): Promise<{ tenant: string; repo: string; principal: Principal }> {
  const tenant = c.req.param('tenant') as string;
  const repo = c.req.param('repo') as string;
  const principal = c.get('principal');
  await requireRepoAccess(principal, { tenant, repo, action }, () => getRepo(store, tenant, repo));
  return { tenant, repo, principal };
}

/** `operator` or the token id: who audit entries name. */
export function actorOf(principal: Principal): string {
  return principal.kind === 'token' ? principal.id : principal.kind;
}
