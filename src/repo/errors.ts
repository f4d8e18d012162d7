/**
 * Domain refusals: what the service says no to, and why, without knowing it will be an HTTP
 * answer. `kind` is the class of refusal (src/http/errors.ts maps each kind to one status);
 * `code` is the stable name scripts rely on; `details` are safe to show the caller.
 */
import { BerthError } from '../core/errors.js';

export type RefusalKind =
  | 'invalid' // the request itself is malformed (400)
  | 'forbidden' // the caller may know the thing exists but may not do this (403)
  | 'not_found' // no such thing, or one the caller may not know exists (404)
  | 'conflict' // the current state forbids it (409)
  | 'too_large' // over a size limit (413)
  | 'unprocessable' // well-formed but refused by policy or content (422)
  | 'rate_limited' // too many requests (429)
  | 'quota' // over a storage quota (507)
  | 'busy'; // contention; try again (503)

export class Refusal extends BerthError {
  override name = 'Refusal';
  constructor(
    readonly kind: RefusalKind,
    code: string,
    message: string,
    readonly details: Record<string, unknown> = {},
    /** For `busy` and `rate_limited`: how long to wait before trying again. */
    readonly retryAfterSeconds?: number,
  ) {
    super(code, message);
  }
  /** Works across realms and bundles, unlike instanceof. */
  get isRefusal(): true {
    return true;
  }
}

export function isRefusal(err: unknown): err is Refusal {
  return typeof err === 'object' && err !== null && (err as { isRefusal?: unknown }).isRefusal === true;
}

/**
 * The refusal for a tenant or repo that does not exist — and, with identical text, for one the
 * caller may not know exists (another tenant's private resource), so the two cannot be told apart.
 */
export function notFound(tenant: string, repo?: string): Refusal {
  return new Refusal('not_found', 'not_found', repo === undefined ? `tenant ${tenant} not found` : `repo ${tenant}/${repo} not found`);
}

/** A package over the upload limit. */
export function tooLarge(limit: number): Refusal {
  return new Refusal('too_large', 'package_too_large', `packages are limited to ${limit} bytes`, { limit });
}
