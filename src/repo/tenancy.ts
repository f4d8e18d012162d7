/**
 * What the publish pipeline, regeneration and the dnf routes need from tenancy (repo configs,
 * trusted keys, the metadata signing key, the audit log). Passed in rather than imported so
 * those modules stay testable with small fakes; `tenancy-bindings.ts` binds the real ones.
 */
import type { Keyring } from '../core/pgp/keyring.js';
import type { BlobStore } from '../storage/blob-store.js';

/** The part of a repo's config.json this side reads. */
export interface RepoSettings {
  public: boolean;
  allowUnsigned: boolean;
  /** ISO time of creation (the metadata key's Last-Modified). */
  createdAt?: string;
}

export interface AuditInput {
  actor: string;
  action: string;
  target: string;
  details: Record<string, unknown>;
}

export interface RepoTenancy {
  getRepo(store: BlobStore, tenant: string, repo: string): Promise<RepoSettings | null>;
  /** Union of the tenant's and the repo's trusted publisher keys. */
  trustedKeyring(store: BlobStore, tenant: string, repo: string): Promise<Keyring>;
  /** Detached armored OpenPGP signature of `data` with the repo's metadata key. */
  signDetached(store: BlobStore, tenant: string, repo: string, data: string): Promise<string>;
  /**
   * The public key(s) that verify the repo's served repomd.xml (armored; repodata/repomd.xml.key):
   * its metadata key, a complete mirror's upstream key; null when there is none.
   */
  metadataPublicKeyArmored(store: BlobStore, tenant: string, repo: string): Promise<string | null>;
  appendAudit(store: BlobStore, tenant: string, entry: AuditInput, now: Date): Promise<unknown>;
}
