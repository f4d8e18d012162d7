/**
 * The operator's per-tenant overrides of the server's limits (docs/service.md, Limits):
 * `t/<t>/limits.json` `{quotaBytes?, rateLimit?}`. A field that is absent leaves the server's
 * default (BERTH_TENANT_QUOTA, BERTH_RATE_LIMIT) in force; a number replaces it; null means no
 * limit for this tenant. Goes with the tenant (its prefix is swept when it is deleted).
 */
import type { BlobStore } from '../storage/blob-store.js';
import { isStorageError } from '../storage/errors.js';
import { readJson, writeJson } from '../storage/json-blob.js';
import { tenantLimitsKey } from '../storage/keys.js';
import { Refusal } from './errors.js';

export interface TenantLimits {
  /** Bytes of packages the tenant may store; null: no quota. */
  quotaBytes?: number | null;
  /** Requests per token per window (the server's window); null: not limited. */
  rateLimit?: number | null;
}

/** A change: a number or null (no limit) sets the override, `default` removes it. */
export type LimitsPatch = { [K in keyof TenantLimits]?: number | null | 'default' };

export async function readTenantLimits(store: BlobStore, tenant: string): Promise<TenantLimits> {
  return (await readJson<TenantLimits>(store, tenantLimitsKey(tenant)))?.value ?? {};
}

/** The limit in force: the tenant's override when it has one, else the server's default (null: none). */
export function effectiveLimit(override: number | null | undefined, serverDefault: number | null | undefined): number | null {
  return override !== undefined ? override : (serverDefault ?? null);
}

/** The quota in force for the tenant (null: none). */
export async function tenantQuota(store: BlobStore, tenant: string, serverDefault: number | null | undefined): Promise<number | null> {
  return effectiveLimit((await readTenantLimits(store, tenant)).quotaBytes, serverDefault);
}

/** Applies `patch` (compare-and-swap); returns the overrides after it and what changed `{field: {from, to}}` (undefined: the default). */
export async function updateTenantLimits(store: BlobStore, tenant: string, patch: LimitsPatch): Promise<{ after: TenantLimits; changed: Record<string, { from: number | null | undefined; to: number | null | undefined }> }> {
  for (let attempt = 0; attempt < 8; attempt++) {
    const got = await readJson<TenantLimits>(store, tenantLimitsKey(tenant));
    const before = got?.value ?? {};
    const after: TenantLimits = { ...before };
    const changed: Record<string, { from: number | null | undefined; to: number | null | undefined }> = {};
    for (const field of ['quotaBytes', 'rateLimit'] as const) {
      const v = patch[field];
      if (v === undefined) continue;
      if (v === 'default') delete after[field];
      else after[field] = v;
      if (after[field] !== before[field]) changed[field] = { from: before[field], to: after[field] };
    }
    if (Object.keys(changed).length === 0) return { after, changed };
    try {
      await writeJson(store, tenantLimitsKey(tenant), after, got ? { ifMatch: got.etag } : { ifNoneMatch: '*' });
      return { after, changed };
    } catch (e) {
      if (!isStorageError(e, 'precondition_failed')) throw e;
    }
  }
  throw new Refusal('busy', 'busy', `the limits of tenant ${tenant} changed while this request ran: try again`, {}, 1);
}
