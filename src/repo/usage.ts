/**
 * What a tenant stores, for the per-tenant quota (docs/service.md, Limits): the bytes of its
 * package blobs (content-addressed, so a package in several repos counts once; metadata,
 * fragments and the index are not counted) and how many there are. `t/<t>/usage.json`
 * `{bytes, packages}` moves by each blob created (publish, mirror) and deleted (GC), one
 * compare-and-swap each: cost follows the change, and reading it lists nothing. A tenant without
 * the record (stored before it existed) is counted once by listing its blobs. Uploads in flight at the same moment are each checked against the same count, so a
 * quota can be passed by what those uploads hold together.
 */
import { listAll, type BlobStore } from '../storage/blob-store.js';
import { isStorageError } from '../storage/errors.js';
import { readJson, writeJson } from '../storage/json-blob.js';
import { packageBlobsPrefix, usageKey } from '../storage/keys.js';
import { Refusal } from './errors.js';
import { GroupQueue, queuesPer } from './group-queue.js';

export interface Usage {
  bytes: number;
  /** Package blobs stored (distinct contents). */
  packages: number;
}

/** A record written before package counts were kept has only `bytes`: it is counted again, once. */
const complete = (u: Partial<Usage>): u is Usage => typeof u.bytes === 'number' && typeof u.packages === 'number';

async function counted(store: BlobStore, tenant: string): Promise<Usage> {
  let bytes = 0;
  let packages = 0;
  // the fs store lists no sizes: head those (once per tenant, see above)
  for await (const item of listAll(store, packageBlobsPrefix(tenant))) {
    bytes += item.size ?? (await store.head(item.key))?.size ?? 0;
    packages++;
  }
  return { bytes, packages };
}

/** The tenant's usage; counted (and recorded) by listing its blobs when there is no (complete) record yet. */
export async function readUsage(store: BlobStore, tenant: string): Promise<Usage> {
  const got = await readJson<Partial<Usage>>(store, usageKey(tenant));
  if (got && complete(got.value)) return { bytes: got.value.bytes, packages: got.value.packages };
  const usage = await counted(store, tenant);
  await writeJson(store, usageKey(tenant), usage, got ? { ifMatch: got.etag } : { ifNoneMatch: '*' }).catch((e: unknown) => {
    if (!isStorageError(e, 'precondition_failed')) throw e;
  });
  return usage;
}

type Change = { delta: number; count: number };

/** One CAS for a batch of changes, applied in order (a listing instead, without a complete record). */
async function applyUsage(store: BlobStore, tenant: string, changes: readonly Change[]): Promise<void> {
  for (let attempt = 0; attempt < 16; attempt++) {
    const got = await readJson<Partial<Usage>>(store, usageKey(tenant));
    if (!got || !complete(got.value)) {
      await readUsage(store, tenant);
      return;
    }
    const next = changes.reduce<Usage>((u, c) => ({ bytes: Math.max(0, u.bytes + c.delta), packages: Math.max(0, u.packages + c.count) }),
      { bytes: got.value.bytes, packages: got.value.packages });
    try {
      await writeJson(store, usageKey(tenant), next, { ifMatch: got.etag });
      return;
    } catch (e) {
      if (!isStorageError(e, 'precondition_failed')) throw e;
    }
  }
}

const adders = queuesPer<BlobStore, Change, null>((store, tenant) => new GroupQueue(async (batch) => {
  await applyUsage(store, tenant, batch);
  return batch.map(() => null);
}, 256));

/**
 * Adds `delta` bytes and `count` package blobs (negative: freed; by default one blob, the sign
 * of `delta`). Without a complete record, the listing (which already sees the change) becomes it.
 * Changes made at the same moment in one process go in together, one compare-and-swap for the
 * batch (group-queue.ts), instead of racing each other's.
 */
export async function addUsage(store: BlobStore, tenant: string, delta: number, count = Math.sign(delta)): Promise<void> {
  await adders(store, tenant).submit({ delta, count });
}

/** 507 `quota_exceeded` when storing `bytes` more would take the tenant past `quotaBytes`. */
export async function checkQuota(store: BlobStore, tenant: string, bytes: number, quotaBytes: number | null | undefined): Promise<void> {
  if (quotaBytes === null || quotaBytes === undefined) return;
  const { bytes: used } = await readUsage(store, tenant);
  if (used + bytes > quotaBytes) {
    throw new Refusal('quota', 'quota_exceeded',
      `tenant ${tenant} stores ${used} bytes of packages; ${bytes} more would pass its quota of ${quotaBytes} bytes: delete packages (berth package delete) and let GC free them, or ask for a larger quota`,
      { quotaBytes, usedBytes: used, requestBytes: bytes });
  }
}
