/** Tenants `tenants/<t>.json` `{name, createdAt}`; created by the operator only. */
import { listAll, type BlobStore } from '../storage/blob-store.js';
import { PreconditionFailedError, isStorageError } from '../storage/errors.js';
import { repoRegistryCompleteKey, tenantKey } from '../storage/keys.js';
import { Refusal } from './errors.js';
import { revokeTenantTokens } from '../auth/tokens.js';
import { readJson, writeJson } from '../storage/json-blob.js';

export interface Tenant {
  name: string;
  createdAt: string;
}

/** What tenants/<t>.json holds once the tenant is deleted (tenant-delete.ts): never served. */
export interface TenantTombstone extends Tenant {
  deleted: { at: string; actor: string; swept: boolean };
}

export function isTenantTombstone(record: Tenant | TenantTombstone): record is TenantTombstone {
  return (record as Partial<TenantTombstone>).deleted !== undefined;
}

export async function readTenantRecord(store: BlobStore, name: string): Promise<{ value: Tenant | TenantTombstone; etag: string } | null> {
  return readJson<Tenant | TenantTombstone>(store, tenantKey(name));
}

/**
 * Create-only: an existing tenant is a 409 `tenant_exists`, never overwritten. The name of a
 * deleted tenant is taken over once its deletion has finished (409 `tenant_deleting` until GC or
 * a repeated delete finishes it); any token of the old tenant that a request in flight during the
 * deletion still managed to create is revoked first, so nothing of it grants anything here.
 */
export async function createTenant(store: BlobStore, name: string, now: Date): Promise<Tenant> {
  const key = tenantKey(name);
  const tenant: Tenant = { name, createdAt: now.toISOString() };
  const before = await readTenantRecord(store, name);
  if (before && isTenantTombstone(before.value)) {
    if (!before.value.deleted.swept) throw new Refusal('conflict', 'tenant_deleting', `the former tenant ${name} is still being deleted: try again shortly`, {}, 30);
    await revokeTenantTokens(store, name);
  }
  try {
    await writeJson(store, key, tenant, before && isTenantTombstone(before.value) ? { ifMatch: before.etag } : { ifNoneMatch: '*' });
  } catch (err) {
    if (isStorageError(err, PreconditionFailedError.CODE)) {
      throw new Refusal('conflict', 'tenant_exists', `tenant ${name} already exists`);
    }
    throw err;
  }
  // A new tenant's repo registry is complete from the start (repos.ts lists repos from it); a
  // crash before this line only costs one walk of its (new, small) repo prefix later.
  await writeJson(store, repoRegistryCompleteKey(name), { since: tenant.createdAt }).catch(() => undefined);
  return tenant;
}

/** The tenant; null when there is none or it was deleted. */
export async function getTenant(store: BlobStore, name: string): Promise<Tenant | null> {
  const got = await readTenantRecord(store, name);
  return got && !isTenantTombstone(got.value) ? got.value : null;
}

const TENANT_RECORD = /^tenants\/([a-z0-9-]+)\.json$/;

/** The name of every tenant, in key order. */
export async function* tenantNames(store: BlobStore): AsyncGenerator<string> {
  for await (const item of listAll(store, 'tenants/')) {
    const name = TENANT_RECORD.exec(item.key)?.[1];
    if (name) yield name;
  }
}
