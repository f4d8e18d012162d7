/**
 * Upstream packages into the repo through the ingest pipeline (src/repo/ingest.ts, the one
 * publish uses): what is mirror-specific stays here — where the bytes come from (a download, or
 * this mirror's own earlier download) and the check against primary.xml's size and checksum
 * before the package is even read as an RPM.
 *
 * A package is downloaded unless this mirror itself downloaded and verified the same bytes in an
 * earlier run that did not commit (`reusable`): bytes other repos of the tenant hold are never
 * taken over, so a repo-limited admin cannot copy packages out of repos they cannot read, and no
 * count depends on what other repos hold. A reused blob is verified again against this repo's
 * trusted keys.
 *
 * Nothing here touches an index: a failed run leaves at most unreferenced blobs and fragments,
 * which GC removes after its grace period (and a retry reuses instead of re-downloading).
 */
import type { Platform } from '../core/platform.js';
import type { IndexEntry } from '../repo/index-entry.js';
import { nevraOf } from '../repo/index-entry.js';
import { isRefusal } from '../repo/errors.js';
import { discard, examine, prepare, storePackage, type Examined, type Prepared, type Staged, type Trust } from '../repo/ingest.js';
import { addUsage, checkQuota } from '../repo/usage.js';
import type { BlobStore } from '../storage/blob-store.js';
import { packageBlobKey } from '../storage/keys.js';
import { MirrorError } from './errors.js';
import type { UpstreamPackage } from './primary.js';
import { download, hashAlgorithmOf, resolveHref, type UpstreamOptions } from './upstream.js';

export interface AcquireContext {
  store: BlobStore;
  platform: Platform;
  tenant: string;
  repo: string;
  trust: Trust;
  /** complete: entries at upstream's hrefs, no fragments (upstream's metadata is served); filtered: Berth's placement and fragments. */
  mode: 'complete' | 'filtered';
  /** `<time file>` of packages new to the repo (filtered mode; complete mode keeps upstream's). */
  addedAt: number;
  base: string;
  upstream: UpstreamOptions;
  /** sha256 of blobs this mirror downloaded and verified in earlier runs that did not commit. */
  reusable: ReadonlySet<string>;
  /** Called once a download has been stored under its content address. */
  onStored?: (sha256: string) => void;
  /** The tenant's storage quota in force (null or absent: none). */
  quotaBytes?: number | null;
}

/** A quota refusal as the mirror reports it (the run stops; nothing is published). */
function quotaStop(e: unknown, what: string): unknown {
  if (!isRefusal(e) || e.code !== 'quota_exceeded') return e;
  return new MirrorError('quota_exceeded', `${what}: ${e.message}`, e.details);
}

/** Whether the tenant already holds these bytes (then storing them costs no quota). */
async function held(ctx: AcquireContext, p: UpstreamPackage): Promise<boolean> {
  return hashAlgorithmOf(p.checksum.type) === 'sha256' && (await ctx.store.head(packageBlobKey(ctx.tenant, p.checksum.value))) !== null;
}

/**
 * Before any download: 507-style stop (`quota_exceeded`) when the packages a run would store —
 * those whose bytes the tenant does not hold yet, at primary.xml's sizes — would take the tenant
 * past its quota. One head per package the run needs; nothing when there is no quota.
 */
export async function checkRunQuota(ctx: AcquireContext, need: readonly UpstreamPackage[], concurrency: number): Promise<void> {
  if (ctx.quotaBytes === null || ctx.quotaBytes === undefined || need.length === 0) return;
  const sizes = await mapBounded(need, concurrency, async (p) => ((await held(ctx, p)) ? 0 : p.size));
  const bytes = sizes.reduce((a, b) => a + b, 0);
  try {
    await checkQuota(ctx.store, ctx.tenant, bytes, ctx.quotaBytes);
  } catch (e) {
    throw quotaStop(e, `mirroring ${sizes.filter((n) => n > 0).length} new packages of ${ctx.tenant}/${ctx.repo} would store ${bytes} bytes; nothing was downloaded`);
  }
}

export interface Acquired {
  pkg: UpstreamPackage;
  entry: IndexEntry;
  /** Downloaded from upstream (false: this mirror's own earlier download was reused). */
  fetched: boolean;
  bytes: number;
}

const nevra = (p: UpstreamPackage): string => nevraOf(p);

/** The ingest refusals, as the mirror reports them: who failed and why, never the bytes. */
function mirrorRefusal(e: unknown, p: UpstreamPackage): unknown {
  if (!isRefusal(e)) return e;
  const what = `${nevra(p)} (${p.href})`;
  if (e.code === 'not_an_rpm' || e.code === 'delta_rpm') {
    return new MirrorError(e.code, `${what} is not an RPM package (${String(e.details['reason'] ?? e.code)})`, { package: p.href });
  }
  if (e.code === 'invalid_package_name' || e.code === 'unrepresentable_metadata') {
    return new MirrorError(e.code, `${what}: ${e.message}`, { package: p.href });
  }
  return new MirrorError('package_signature', `${what} fails verification: ${e.message} (${String(e.details['verification'] ?? e.code)})`,
    { package: p.href, verification: e.details['verification'] ?? e.code });
}

async function ingestVerified(ctx: AcquireContext, p: UpstreamPackage, blob: { key: string; sha256: string; size: number }): Promise<Prepared> {
  let examined: Examined;
  let prepared: Prepared;
  try {
    examined = await examine(ctx, blob, ctx.trust);
    prepared = ctx.mode === 'complete'
      ? prepare(examined, blob, { addedAt: p.time || ctx.addedAt, placement: { filename: p.href.slice(p.href.lastIndexOf('/') + 1), location: p.href }, fragment: false })
      : prepare(examined, blob, { addedAt: ctx.addedAt, fragment: true });
  } catch (e) {
    throw mirrorRefusal(e, p);
  }
  return prepared;
}

export async function acquirePackage(ctx: AcquireContext, p: UpstreamPackage): Promise<Acquired> {
  const { store, tenant } = ctx;
  const algorithm = hashAlgorithmOf(p.checksum.type);
  if (!algorithm) throw new MirrorError('unsupported_checksum', `${p.href}: checksum type ${p.checksum.type} is not supported`, { package: p.href });
  if (algorithm === 'sha256' && ctx.reusable.has(p.checksum.value) && (await store.head(packageBlobKey(tenant, p.checksum.value)))) {
    const blob = { key: packageBlobKey(tenant, p.checksum.value), sha256: p.checksum.value, size: p.size };
    const prepared = await ingestVerified(ctx, p, blob);
    if (prepared.fragment) await storePackage(ctx, tenant, ctx.repo, blob, prepared);
    return { pkg: p, entry: prepared.entry, fetched: false, bytes: 0 };
  }

  let staged: Staged | null = null;
  try {
    staged = await download(store, resolveHref(p.base ?? ctx.base, p.href), [algorithm], ctx.upstream, p.size);
    if (staged.size !== p.size) {
      throw new MirrorError('package_size_mismatch', `${p.href}: upstream served ${staged.size} bytes, primary.xml says ${p.size}`, { package: p.href });
    }
    if (staged.digests[algorithm] !== p.checksum.value) {
      throw new MirrorError('package_checksum_mismatch', `${p.href} does not match its ${p.checksum.type} checksum in primary.xml`, { package: p.href });
    }
    const prepared = await ingestVerified(ctx, p, staged);
    // checked again per package: publishes during the run count too
    if (ctx.quotaBytes != null && !(await store.head(packageBlobKey(tenant, staged.sha256)))) {
      await checkQuota(store, tenant, staged.size, ctx.quotaBytes).catch((e: unknown) => {
        throw quotaStop(e, `${nevra(p)} (${p.href}) is not stored`);
      });
    }
    if (await storePackage(ctx, tenant, ctx.repo, staged, prepared)) await addUsage(store, tenant, staged.size);
    ctx.onStored?.(staged.sha256);
    return { pkg: p, entry: prepared.entry, fetched: true, bytes: staged.size };
  } finally {
    await discard(ctx, staged);
  }
}

/**
 * Runs `fn` over `items`, at most `limit` at once, in input order. The first failure aborts
 * the rest (no new item starts) and is rethrown once the ones in flight have settled.
 */
export async function mapBounded<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>, onDone?: () => void): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  let failed: { error: unknown } | null = null;
  const worker = async (): Promise<void> => {
    while (failed === null && next < items.length) {
      const i = next++;
      try {
        out[i] = await fn(items[i] as T);
        onDone?.();
      } catch (e) {
        failed ??= { error: e };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(Math.max(1, limit), items.length) }, worker));
  if (failed !== null) throw (failed as { error: unknown }).error;
  return out;
}
