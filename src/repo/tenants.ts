/** Tenants `tenants/<t>.json` `{name, createdAt}`; created by the operator only. */
import { listAll, type BlobStore } from '../storage/blob-store.js';
import { PreconditionFailedError, isStorageError } from '../storage/errors.js';
import { repoRegistryCompleteKey, tenantKey } from '../storage/keys.js';
import { Refusal } from './errors.js';
import { readJson, writeJson } from '../storage/json-blob.js';

export interface Tenant {
  name: string;
  createdAt: string;
}

/** Create-only: an existing tenant is a 409 `tenant_exists`, never overwritten. */
export async function createTenant(store: BlobStore, name: string, now: Date): Promise<Tenant> {
  const key = tenantKey(name);
  const tenant: Tenant = { name, createdAt: now.toISOString() };
  try {
    await writeJson(store, key, tenant, { ifNoneMatch: '*' });
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

export async function getTenant(store: BlobStore, name: string): Promise<Tenant | null> {
  const got = await readJson<Tenant>(store, tenantKey(name));
  return got ? got.value : null;
}

const TENANT_RECORD = /^tenants\/([a-z0-9-]+)\.json$/;

/** The name of every tenant, in key order. */
export async function* tenantNames(store: BlobStore): AsyncGenerator<string> {
  for await (const item of listAll(store, 'tenants/')) {
    const name = TENANT_RECORD.exec(item.key)?.[1];
    if (name) yield name;
  }
}
