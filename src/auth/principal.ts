/**
 * Who is calling, and what they may do. Every route declares the `Access` it needs and calls
 * `authorize`; nothing is allowed by default.
 *
 * Answers, in this order (no existence leaks across tenants):
 * - operator: everything.
 * - anonymous: reads of a public repo (dnf paths and read API routes); otherwise 401 with a Basic challenge
 *   (dnf/tdnf send only Basic; the token is the password, any user name).
 * - token of another tenant: 404 for private resources (indistinguishable from absent);
 *   for a public repo, reads succeed as for anonymous, everything else 404.
 * - token of this tenant without the scope, or outside its repo list: 403; a token limited to
 *   some repos gets 403 for tenant-wide publish/admin actions too.
 */
export type Scope = 'read' | 'publish' | 'admin';

export type Principal =
  | { kind: 'anonymous' }
  | { kind: 'operator' }
  | {
      kind: 'token';
      /** Token id (public, shown in listings and audit; not the secret). */
      id: string;
      tenant: string;
      scopes: readonly Scope[];
      /** Repos the token is limited to; null = every repo of the tenant. */
      repos: readonly string[] | null;
    };

export interface Access {
  tenant: string;
  /** Absent for tenant-level actions (tokens, tenant keys, repo creation). */
  repo?: string;
  action: Scope;
  /** Operator-only actions (create tenant). */
  operatorOnly?: boolean;
  /**
   * A tenant-level action that a repo-limited token may still take because the route itself
   * keeps it within the token's repos (minting or revoking narrower tokens).
   */
  withinTokenRepos?: boolean;
}

export type Decision = 'allow' | 'unauthenticated' | 'forbidden' | 'not-found';

/** `admin` implies `publish` implies `read`. */
const RANK: Record<Scope, number> = { read: 1, publish: 2, admin: 3 };

export function hasScope(scopes: readonly Scope[], wanted: Scope): boolean {
  return scopes.some((s) => RANK[s] >= RANK[wanted]);
}

/**
 * `repoIsPublic` is only consulted for reads of an existing repo (pass false when the repo does
 * not exist or the access is not a repo read).
 */
export function authorize(principal: Principal, access: Access, repoIsPublic = false): Decision {
  if (principal.kind === 'operator') return 'allow';
  const publicRead = access.action === 'read' && access.repo !== undefined && repoIsPublic;
  if (access.operatorOnly) return principal.kind === 'anonymous' ? 'unauthenticated' : 'forbidden';
  if (principal.kind === 'anonymous') return publicRead ? 'allow' : 'unauthenticated';
  if (principal.tenant !== access.tenant) return publicRead ? 'allow' : 'not-found';
  if (access.repo !== undefined && principal.repos !== null && !principal.repos.includes(access.repo)) {
    return publicRead ? 'allow' : 'forbidden';
  }
  // A token limited to some repos may not act on the tenant as a whole (tenant keys, new
  // repos, other tokens, the audit log): that would reach beyond its repos.
  if (access.repo === undefined && principal.repos !== null && access.action !== 'read' && !access.withinTokenRepos) {
    return 'forbidden';
  }
  if (!hasScope(principal.scopes, access.action)) return publicRead ? 'allow' : 'forbidden';
  return 'allow';
}
