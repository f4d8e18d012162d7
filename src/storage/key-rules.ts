/**
 * The rules every storage key builder applies to the names it puts into a key, and the two
 * prefixes every tenant's and repo's key starts from. Only the keys-*.ts builders import this;
 * everything else imports src/storage/keys.ts.
 */
import { BerthError } from '../core/errors.js';

/** A tenant, repo, digest, id or file name that cannot become part of a key. */
export class InvalidNameError extends BerthError {
  override name = 'InvalidNameError';
  static readonly CODE = 'invalid_name';
  constructor(kind: string, value: string, rule: string) {
    super(InvalidNameError.CODE, `invalid ${kind} ${JSON.stringify(String(value).slice(0, 100))}: ${rule}`);
  }
}

export const NAME = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
export const SHA256 = /^[0-9a-f]{64}$/;
export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
export const REPODATA_FILE = /^(?!.*\.\.)[a-z0-9][a-z0-9._-]{0,199}$/;
export const FRAGMENT_KINDS = ['primary', 'filelists', 'other'] as const;
export type FragmentKind = (typeof FRAGMENT_KINDS)[number];

export function isValidName(name: string): boolean {
  return typeof name === 'string' && NAME.test(name);
}

export function tenantName(tenant: string): string {
  if (!isValidName(tenant)) throw new InvalidNameError('tenant', tenant, '1-63 chars of [a-z0-9-], not starting or ending with -');
  return tenant;
}

export function repoName(repo: string): string {
  if (!isValidName(repo)) throw new InvalidNameError('repo', repo, '1-63 chars of [a-z0-9-], not starting or ending with -');
  return repo;
}

export function sha256Hex(kind: string, hex: string): string {
  if (typeof hex !== 'string' || !SHA256.test(hex)) throw new InvalidNameError(kind, hex, '64 lowercase hex digits');
  return hex;
}

export function revisionName(revision: number): string {
  if (!Number.isSafeInteger(revision) || revision < 0 || revision > 999_999_999_999) {
    throw new InvalidNameError('revision', String(revision), 'an integer 0..999999999999');
  }
  return String(revision).padStart(12, '0');
}

/** Fingerprints are shown uppercase in the API; keys are lowercase because the key grammar is. */
export const FINGERPRINT = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/;

export function fingerprintName(fpr: string): string {
  const lower = typeof fpr === 'string' ? fpr.toLowerCase() : '';
  if (!FINGERPRINT.test(lower)) throw new InvalidNameError('key fingerprint', fpr, '40 or 64 hex digits');
  return lower;
}

/** Everything a tenant owns; list or delete by this prefix. */
export function tenantPrefix(tenant: string): string {
  return `t/${tenantName(tenant)}/`;
}

export function repoPrefix(tenant: string, repo: string): string {
  return `${tenantPrefix(tenant)}r/${repoName(repo)}/`;
}
