/**
 * The repo's metadata key set (docs/service.md, Metadata key rotation): `metadata-keys.json`
 * `{signing, keys[], updatedAt}`, written once a repo has more than the key it was created with.
 * Every key of the set is published (`repomd.xml.key` holds them all); `signing` signs
 * repomd.xml. Without the record the repo has its first key only (`metadata-key.asc`).
 */
import type { BlobStore } from '../storage/blob-store.js';
import { readJson } from '../storage/json-blob.js';
import { metadataKeyKey, metadataKeySetKey, rotatedMetadataKeyKey } from '../storage/keys.js';

export interface MetadataKeyRecord {
  /** Upper-case hex. */
  fingerprint: string;
  algorithm: string;
  createdAt: string;
  /** Where the secret key is: the repo's first key, or one added by rotation. */
  file: 'original' | 'rotated';
}

export interface MetadataKeySet {
  signing: string;
  keys: MetadataKeyRecord[];
  updatedAt: string;
}

export async function readKeySet(store: BlobStore, tenant: string, repo: string): Promise<{ value: MetadataKeySet; etag: string } | null> {
  return readJson<MetadataKeySet>(store, metadataKeySetKey(tenant, repo));
}

/** Where a key's armored secret key is stored. */
export function secretKeyKey(tenant: string, repo: string, k: Pick<MetadataKeyRecord, 'file' | 'fingerprint'>): string {
  return k.file === 'original' ? metadataKeyKey(tenant, repo) : rotatedMetadataKeyKey(tenant, repo, k.fingerprint);
}

/** The secret key that signs: the set's `signing` key, or the repo's first key. */
export function signingKeyKey(tenant: string, repo: string, set: MetadataKeySet | null): string {
  const k = set?.keys.find((x) => x.fingerprint === set.signing);
  return k ? secretKeyKey(tenant, repo, k) : metadataKeyKey(tenant, repo);
}
