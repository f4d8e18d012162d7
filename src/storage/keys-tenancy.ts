/** Storage keys of tenants and access: tenants, tokens, logins, public-repo markers, uploads, operator, trusted keys, audit, registry, usage and limits (layout: keys.ts). */
import { InvalidNameError, UUID, tenantName, repoName, sha256Hex, fingerprintName, tenantPrefix, repoPrefix } from './key-rules.js';

export function tenantKey(tenant: string): string {
  return `tenants/${tenantName(tenant)}.json`;
}

/** `tokenHash` is the hex SHA-256 of the token; the token itself never reaches storage. */
export function tokenKey(tokenHash: string): string {
  return `tokens/${sha256Hex('token hash', tokenHash)}.json`;
}

export const LOGINS_PREFIX = 'logins/';

/** A browse-page login (session), by the SHA-256 of the cookie's id (the id itself is never stored). */
export function loginKey(idHash: string): string {
  return `${LOGINS_PREFIX}${sha256Hex('login id hash', idHash)}.json`;
}

/** Where GC keeps its place in the sweep of expired logins. */
export function loginsGcStateKey(): string {
  return 'logins-gc.json';
}

/** Public repos: of every tenant (tenant undefined) or of one. */
export function publicReposPrefix(tenant?: string): string {
  return tenant === undefined ? 'public-repos/' : `public-repos/${tenantName(tenant)}/`;
}

/** Marker `{tenant, name, createdAt}` of a public repo, written when the repo is created public. */
export function publicRepoKey(tenant: string, repo: string): string {
  return `${publicReposPrefix(tenant)}${repoName(repo)}.json`;
}

/** Present once every public repo has its marker (repos created before markers existed get theirs once). */
export function publicReposCompleteKey(): string {
  return 'public-repos.json';
}

export const UPLOADS_PREFIX = 'uploads/';

export function uploadKey(id: string): string {
  if (typeof id !== 'string' || !UUID.test(id)) throw new InvalidNameError('upload id', id, 'a lowercase UUID');
  return `${UPLOADS_PREFIX}${id}`;
}

/** The bytes and count of the tenant's package blobs `{bytes, packages}` (repo/usage.ts). */
export function usageKey(tenant: string): string {
  return `${tenantPrefix(tenant)}usage.json`;
}

/** The operator's overrides of the tenant's quota and rate limit (repo/tenant-limits.ts). */
export function tenantLimitsKey(tenant: string): string {
  return `${tenantPrefix(tenant)}limits.json`;
}

/** GC cursors: of one repo, or of the tenant (repo undefined). */
export function gcStateKey(tenant: string, repo?: string): string {
  return `${repo === undefined ? tenantPrefix(tenant) : repoPrefix(tenant, repo)}gc.json`;
}

// --- Tenancy and access (docs/service.md: Model) ---

const TOKEN_ID = /^[a-z2-7]{12}$/;

/** Where the generated operator credential's hash lives when no BERTH_ADMIN_TOKEN is given. */
export function operatorKey(): string {
  return 'operator.json';
}

export const TOKEN_IDS_PREFIX = 'token-ids/';

/** `{hash, tenant}` of the token with this public id (12 lowercase base32 chars). */
export function tokenIdKey(id: string): string {
  if (typeof id !== 'string' || !TOKEN_ID.test(id)) throw new InvalidNameError('token id', id, '12 chars of [a-z2-7]');
  return `${TOKEN_IDS_PREFIX}${id}.json`;
}

export function repoConfigKey(tenant: string, repo: string): string {
  return `${repoPrefix(tenant, repo)}config.json`;
}

/** The repo's armored OpenPGP secret key for signing repomd.xml. */
export function metadataKeyKey(tenant: string, repo: string): string {
  return `${repoPrefix(tenant, repo)}metadata-key.asc`;
}

/** A public key served without credentials at /keys/<FPR>.asc (repo/client-keys.ts). */
export function publicKeyKey(fpr: string): string {
  return `pubkeys/${fingerprintName(fpr)}.asc`;
}

/** Trusted publisher keys: tenant-wide when `repo` is undefined, else for that repo only. */
export function trustedKeysPrefix(tenant: string, repo?: string): string {
  return `${repo === undefined ? tenantPrefix(tenant) : repoPrefix(tenant, repo)}keys/`;
}

/** `fpr` in either case; the key uses lowercase. */
export function trustedKeyKey(tenant: string, repo: string | undefined, fpr: string): string {
  return `${trustedKeysPrefix(tenant, repo)}${fingerprintName(fpr)}.asc`;
}

export function auditPrefix(tenant: string): string {
  return `${tenantPrefix(tenant)}audit/`;
}

/** `{seq, hash}` of the newest audit entry: a hint advanced by CAS (repo/audit.ts). */
export function auditHeadKey(tenant: string): string {
  return `${tenantPrefix(tenant)}audit-head.json`;
}

export function repoRegistryPrefix(tenant: string): string {
  return `${tenantPrefix(tenant)}repos/`;
}

/** Marker of one repo in the tenant's registry (repos are listed from these, not from `r/`). */
export function repoRegistryKey(tenant: string, repo: string): string {
  return `${repoRegistryPrefix(tenant)}${repoName(repo)}.json`;
}

/** Present once every repo of the tenant has its registry marker. */
export function repoRegistryCompleteKey(tenant: string): string {
  return `${tenantPrefix(tenant)}repos.json`;
}

export function auditKey(tenant: string, seq: number): string {
  if (!Number.isSafeInteger(seq) || seq < 1 || seq > 999_999_999_999) {
    throw new InvalidNameError('audit seq', String(seq), 'an integer 1..999999999999');
  }
  return `${auditPrefix(tenant)}${String(seq).padStart(12, '0')}.json`;
}
