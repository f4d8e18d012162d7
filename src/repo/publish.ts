/**
 * The publish flow of docs/service.md: the package goes through the ingest pipeline (ingest.ts:
 * stage the upload streamed, counted and hashed; read and verify it; build its entry and
 * fragments), then blob and fragment are stored and the index changes by CAS. Every refusal
 * deletes the upload before answering, so a refused package leaves no trace; the package blob and
 * fragment are written only once the package is accepted.
 *
 * Fragments are built before the blob is copied (design step 5 before 4) so that
 * `unrepresentable_metadata` is a refusal like the others and writes nothing.
 */
import type { Platform } from '../core/platform.js';
import type { Logger } from '../core/logger.js';
import type { BlobStore } from '../storage/blob-store.js';
import { packageBlobKey, repoFragmentKey } from '../storage/keys.js';
import { notFound, Refusal, tooLarge } from './errors.js';
import type { EventSink } from './events.js';
import { addPackage, lookupEntry, removePackage } from './index-store.js';
import { discard, examine, prepare, stage, storeBlob, storePackage, type Staged } from './ingest.js';
import { packageKey } from './package-fragments.js';
import { resolvePackageRef, type PackageRef } from './package-ref.js';
import { addUsage, checkQuota } from './usage.js';
import { tenantQuota } from './tenant-limits.js';
import { isCompleteMirror } from './mirror-config.js';
import type { RepoTenancy } from './tenancy.js';
import { indexSigner, nevraOf, type IndexEntry } from './index-entry.js';
import { retainAfter } from './retention.js';

export interface PublishDeps {
  store: BlobStore;
  platform: Platform;
  events: EventSink;
  clock: () => Date;
  logger: Logger;
  /** tenantQuotaBytes: the per-tenant storage quota (repo/usage.ts) unless the tenant has its own (tenant-limits.ts); absent or null: none. */
  config: { maxUploadBytes: number; tenantQuotaBytes?: number | null };
}

export interface PublishRequest {
  tenant: string;
  repo: string;
  body: ReadableStream<Uint8Array>;
  /** Declared Content-Length, when there was one (checked before reading). */
  contentLength?: number | null;
  /** Token id or `operator`, for the audit log. */
  actor: string;
}

export interface PublishedPackage {
  sha256: string;
  nevra: string;
  name: string;
  epoch: number;
  version: string;
  release: string;
  arch: string;
  size: number;
  location: string;
  addedAt: number;
  signer: { fingerprint: string; keyId: string; algorithm: string } | null;
  revision: number;
}

export interface PublishResult {
  /** 201 added, 200 already present (idempotent). */
  status: 200 | 201;
  body: PublishedPackage;
}

/** A complete mirror holds exactly upstream's packages: its content changes only by mirroring. */
function mirrorRepo(tenant: string, repo: string): Refusal {
  return new Refusal('conflict', 'mirror_repo', `${tenant}/${repo} is a complete mirror of an upstream repository: its packages change only by mirroring`);
}

function responseOf(e: IndexEntry, revision: number): PublishedPackage {
  return {
    sha256: e.sha256, nevra: nevraOf(e), name: e.name, epoch: e.epoch, version: e.version, release: e.release,
    arch: e.arch, size: e.size, location: e.location, addedAt: e.addedAt, signer: indexSigner(e.signer), revision,
  };
}

async function notify(deps: PublishDeps, tenant: string, repo: string, revision: number): Promise<void> {
  try {
    await deps.events.send({ tenant, repo, revision });
  } catch (e) {
    // The index is authoritative; the next event (or a manual regeneration) catches up.
    deps.logger.error('repo change event failed', { tenant, repo, revision, error: String(e) });
  }
}

/** A refused package's fragment goes again (regeneration rebuilds one from the blob if ever needed). */
async function forgetFragment(store: BlobStore, tenant: string, repo: string, sha256: string): Promise<void> {
  await store.delete(repoFragmentKey(tenant, repo, sha256)).catch(() => undefined);
}

export async function publishPackage(deps: PublishDeps, tenancy: RepoTenancy, req: PublishRequest): Promise<PublishResult> {
  const { store } = deps;
  const { tenant, repo } = req;
  const limit = deps.config.maxUploadBytes;
  const settings = await tenancy.getRepo(store, tenant, repo);
  if (!settings) throw notFound(tenant, repo);
  if (await isCompleteMirror(store, tenant, repo)) {
    await req.body.cancel().catch(() => undefined);
    throw mirrorRepo(tenant, repo);
  }
  if (req.contentLength != null && req.contentLength > limit) {
    await req.body.cancel().catch(() => undefined);
    throw tooLarge(limit);
  }

  let staged: Staged | null = null;
  try {
    // one pass: the package is read and hashed as it streams into staging, never read back
    staged = await stage(deps, req.body, { limit, overLimit: () => tooLarge(limit), read: true });
    const examined = await examine(deps, staged, {
      keyring: await tenancy.trustedKeyring(store, tenant, repo), requireSignature: !settings.allowUnsigned, now: deps.clock(),
    });
    const prepared = prepare(examined, staged, { addedAt: Math.floor(deps.clock().getTime() / 1000), fragment: true });
    const { entry } = prepared;
    const { filename, location } = entry;

    // Already published: answer without touching anything (its fragment keeps its addedAt). Only
    // the segment covering the package's sort key is read (docs/service.md, Index).
    const before = await lookupEntry(store, tenant, repo, { filename, location });
    if (before.entry?.sha256 === entry.sha256) return { status: 200, body: responseOf(before.entry, before.revision) };
    // The repo may have been deleted (even made again under its name) while the upload
    // streamed: commit only into the repo this publish started with (repo-delete.ts).
    const again = await tenancy.getRepo(store, tenant, repo);
    if (!again || again.createdAt !== settings.createdAt) throw notFound(tenant, repo);

    // A fragment already there (the package was in this repo before, and a retained generation or
    // a snapshot may still list it) is never deleted on a refusal below: it keeps its blob alive.
    const hadFragment = (await store.head(repoFragmentKey(tenant, repo, entry.sha256))) !== null;
    // the tenant's storage quota (its own, else the server's; off unless configured): only bytes not stored yet count
    const quota = await tenantQuota(store, tenant, deps.config.tenantQuotaBytes);
    if (quota != null && !(await store.head(packageBlobKey(tenant, entry.sha256)))) await checkQuota(store, tenant, staged.size, quota);
    const created = await storePackage(deps, tenant, repo, staged, prepared);
    if (created) await addUsage(store, tenant, staged.size);
    const { outcome, revision } = await addPackage(store, tenant, repo, entry, deps.clock);
    switch (outcome.kind) {
      case 'exists': {
        // Identical bytes won the race; regeneration rebuilds a fragment whose addedAt differs.
        return { status: 200, body: responseOf(outcome.entry, revision) };
      }
      case 'nevra_conflict':
        if (!hadFragment) await forgetFragment(store, tenant, repo, entry.sha256);
        throw new Refusal('conflict', 'nevra_conflict', `${nevraOf(entry)} is already published with other content (sha256 ${outcome.existing.sha256})`, { existing: outcome.existing.sha256 });
      case 'location_conflict':
        if (!hadFragment) await forgetFragment(store, tenant, repo, entry.sha256);
        throw new Refusal('conflict', 'location_conflict', `${location} is already taken by ${nevraOf(outcome.existing)}`, { existing: outcome.existing.sha256 });
      case 'added':
        break;
    }
    // GC may have dropped an old unreferenced blob of the same bytes between our copy and the CAS
    // (never one this publish created: GC leaves blobs younger than its grace period alone).
    if (!created && !(await store.head(packageBlobKey(tenant, entry.sha256))) && (await storeBlob(deps, tenant, staged))) await addUsage(store, tenant, staged.size);
    try {
      await tenancy.appendAudit(store, tenant, {
        actor: req.actor, action: 'package.publish', target: `${repo}/${entry.sha256}`,
        details: { nevra: nevraOf(entry), location, size: entry.size, signer: entry.signer?.fingerprint ?? null, revision },
      }, deps.clock());
    } finally {
      // the package is in the index whatever happens to the audit write: regenerate for it
      await notify(deps, tenant, repo, revision);
    }
    // the repo's retention policy, for this name only (never fails the publish)
    await retainAfter(deps, tenancy, tenant, repo, [entry], req.actor, 'publish');
    return { status: 201, body: responseOf(entry, revision) };
  } finally {
    await discard(deps, staged);
  }
}

export type DeleteRequest = {
  tenant: string;
  repo: string;
  actor: string;
} & ({ sha256: string } | { ref: PackageRef });

/** Removes a package from the index. Its blob stays until GC: retained generations may list it. */
export async function deletePackage(deps: PublishDeps, tenancy: RepoTenancy, req: DeleteRequest): Promise<PublishedPackage> {
  const { store } = deps;
  const { tenant, repo } = req;
  if (!(await tenancy.getRepo(store, tenant, repo))) throw notFound(tenant, repo);
  if (await isCompleteMirror(store, tenant, repo)) throw mirrorRepo(tenant, repo);
  const sha256 = 'sha256' in req ? req.sha256 : await resolvePackageRef(store, tenant, repo, req.ref);
  const missing = (): Refusal => new Refusal('not_found', 'package_not_found', `no package with sha256 ${sha256} in ${tenant}/${repo}`);
  // Where it sorts (from its fragment or blob) is where the index looks: one segment, no scan.
  const key = await packageKey(store, deps.platform, tenant, repo, sha256);
  if (!key) throw missing();
  const { removed, revision } = await removePackage(store, tenant, repo, { sha256, ...key }, deps.clock);
  if (!removed) throw missing();
  try {
    await tenancy.appendAudit(store, tenant, {
      actor: req.actor, action: 'package.delete', target: `${repo}/${sha256}`,
      details: { nevra: nevraOf(removed), location: removed.location, revision },
    }, deps.clock());
  } finally {
    await notify(deps, tenant, repo, revision);
  }
  return responseOf(removed, revision);
}
