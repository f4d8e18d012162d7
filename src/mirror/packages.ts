/**
 * Fetching and verifying upstream packages. A package is downloaded unless this mirror itself
 * downloaded and verified the same bytes in an earlier run that did not commit (`reusable`):
 * bytes other repos of the tenant hold are never taken over, so a repo-limited admin cannot copy
 * packages out of repos they cannot read, and no count depends on what other repos hold. A
 * reused blob is verified again against this repo's trusted keys. A download must match
 * primary.xml's size and checksum before it is even read as an RPM.
 *
 * Nothing here touches an index: a failed run leaves at most unreferenced blobs and fragments,
 * which GC removes after its grace period (and a retry reuses instead of re-downloading).
 */
import type { Keyring } from '../core/pgp/keyring.js';
import { legacyHashAlgorithms, verifyRpm } from '../core/pgp/verify-rpm.js';
import type { Platform } from '../core/platform.js';
import { readRpm, type RpmReadResult } from '../core/rpm/index.js';
import type { BlobStore } from '../storage/blob-store.js';
import { isStorageError } from '../storage/errors.js';
import { packageBlobKey, uploadKey } from '../storage/keys.js';
import { MirrorError } from './errors.js';
import type { UpstreamPackage } from './primary.js';
import { downloadToStore, hashAlgorithmOf, resolveHref, type UpstreamOptions } from './upstream.js';
import type { IndexSigner } from '../repo/index-entry.js';

export interface AcquireContext {
  store: BlobStore;
  platform: Platform;
  tenant: string;
  keyring: Keyring;
  allowUnsigned: boolean;
  now: Date;
  base: string;
  upstream: UpstreamOptions;
  /** sha256 of blobs this mirror downloaded and verified in earlier runs that did not commit. */
  reusable: ReadonlySet<string>;
  /** Called once a download has been stored under its content address. */
  onStored?: (sha256: string) => void;
  /** Called once a package has verified (filtered mode writes its fragments here). */
  afterVerify?: (p: UpstreamPackage, sha256: string, result: RpmReadResult, signer: IndexSigner | null) => Promise<void>;
}

export interface Acquired {
  pkg: UpstreamPackage;
  sha256: string;
  signer: IndexSigner | null;
  /** Downloaded from upstream (false: this mirror's own earlier download was reused). */
  fetched: boolean;
  bytes: number;
}

const nevra = (p: UpstreamPackage): string => `${p.name}-${p.epoch ? `${p.epoch}:` : ''}${p.version}-${p.release}.${p.arch}`;

async function readStored(store: BlobStore, key: string, platform: Platform, what: string): Promise<RpmReadResult> {
  const obj = await store.get(key);
  if (!obj) throw new Error(`${key} vanished`);
  try {
    return await readRpm(obj.body, platform, { headerPayloadHashes: legacyHashAlgorithms });
  } catch (e) {
    const err = e as { name?: string; code?: string; message?: string };
    // the reader's code only: its message may quote bytes of what was fetched
    if (err.name === 'RpmFormatError') throw new MirrorError('not_an_rpm', `${what} is not an RPM package (${err.code ?? 'unreadable'})`, { package: what });
    throw e;
  }
}

async function check(ctx: AcquireContext, result: RpmReadResult, p: UpstreamPackage): Promise<IndexSigner | null> {
  const verdict = await verifyRpm(result, ctx.keyring, { requireSignature: !ctx.allowUnsigned, date: ctx.now });
  if (!verdict.ok) {
    throw new MirrorError('package_signature', `${nevra(p)} (${p.href}) fails verification: ${verdict.reason} (${verdict.status})`,
      { package: p.href, verification: verdict.status });
  }
  return verdict.signer ? { fingerprint: verdict.signer.fingerprint, keyId: verdict.signer.keyId, algorithm: verdict.signer.algorithm } : null;
}

async function copyCreateOnly(store: BlobStore, from: string, to: string): Promise<void> {
  try {
    if (store.copy) await store.copy(from, to, { ifNoneMatch: '*' });
    else {
      const obj = await store.get(from);
      if (!obj) throw new Error(`staged ${from} vanished`);
      await store.put(to, obj.body, { ifNoneMatch: '*', contentType: 'application/x-rpm' });
    }
  } catch (e) {
    if (!isStorageError(e, 'precondition_failed')) throw e;
  }
}

export async function acquirePackage(ctx: AcquireContext, p: UpstreamPackage): Promise<Acquired> {
  const { store, platform, tenant } = ctx;
  const algorithm = hashAlgorithmOf(p.checksum.type);
  if (!algorithm) throw new MirrorError('unsupported_checksum', `${p.href}: checksum type ${p.checksum.type} is not supported`, { package: p.href });
  if (algorithm === 'sha256' && ctx.reusable.has(p.checksum.value) && (await store.head(packageBlobKey(tenant, p.checksum.value)))) {
    const result = await readStored(store, packageBlobKey(tenant, p.checksum.value), platform, p.href);
    if (result.computed.fileSha256 !== p.checksum.value) throw new Error(`stored blob ${p.checksum.value} does not hold its own sha256`);
    const signer = await check(ctx, result, p);
    await ctx.afterVerify?.(p, p.checksum.value, result, signer);
    return { pkg: p, sha256: p.checksum.value, signer, fetched: false, bytes: 0 };
  }

  const staged = uploadKey(crypto.randomUUID());
  try {
    const url = resolveHref(p.base ?? ctx.base, p.href);
    const got = await downloadToStore(store, staged, url, ['sha256', algorithm], ctx.upstream, p.size);
    if (got.size !== p.size) {
      throw new MirrorError('package_size_mismatch', `${p.href}: upstream served ${got.size} bytes, primary.xml says ${p.size}`, { package: p.href });
    }
    if (got.digests[algorithm] !== p.checksum.value) {
      throw new MirrorError('package_checksum_mismatch', `${p.href} does not match its ${p.checksum.type} checksum in primary.xml`, { package: p.href });
    }
    const sha256 = got.digests.sha256 as string;
    const result = await readStored(store, staged, platform, p.href);
    if (result.computed.fileSha256 !== sha256) throw new Error(`staged ${staged} changed while being read`);
    const signer = await check(ctx, result, p);
    await ctx.afterVerify?.(p, sha256, result, signer);
    await copyCreateOnly(store, staged, packageBlobKey(tenant, sha256));
    ctx.onStored?.(sha256);
    return { pkg: p, sha256, signer, fetched: true, bytes: got.size };
  } finally {
    await store.delete(staged).catch(() => undefined);
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
