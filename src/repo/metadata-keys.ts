/**
 * Which public key(s) verify a repo's repomd.xml — what `repodata/repomd.xml.key` serves and a
 * client needs for `repo_gpgcheck` — and rotating the repo's metadata key without breaking a
 * client (docs/service.md, Metadata key rotation): add a key (published beside the old one, not
 * signing yet), switch signing to it (the metadata is signed again, under a new revision),
 * retire the old one. Clients that fetch `repomd.xml.key` from its URL (the served config.repo
 * does) import the new key while both are published, before the signature changes.
 */
import type { Logger } from '../core/logger.js';
import type { BlobStore } from '../storage/blob-store.js';
import { isStorageError } from '../storage/errors.js';
import { writeJson } from '../storage/json-blob.js';
import { metadataKeySetKey, rotatedMetadataKeyKey } from '../storage/keys.js';
import { Refusal, notFound } from './errors.js';
import type { EventSink } from './events.js';
import { afterCommit, loadHead, nextHead, swapHead } from './index-commit.js';
import { readCurrent } from './generations.js';
import { readKeySet, secretKeyKey, type MetadataKeyRecord, type MetadataKeySet } from './metadata-key-set.js';
import { isCompleteMirror, readMirrorConfig } from './mirror-config.js';
import { generateMetadataKey, getRepo, metadataPublicKeyArmored } from './repos.js';
import type { RepoTenancy } from './tenancy.js';

/**
 * Armored public key(s) that verify the repo's served repomd.xml: a complete mirror serves
 * upstream's signed metadata, so upstream's key; any other repo its own metadata key(s). Null
 * when there is none (a complete mirror of an unsigned upstream).
 */
export async function servedMetadataKeys(store: BlobStore, tenant: string, repo: string): Promise<string | null> {
  const mirror = await readMirrorConfig(store, tenant, repo);
  if (mirror?.mode === 'complete') return mirror.key;
  return metadataPublicKeyArmored(store, tenant, repo);
}

export interface KeyDeps {
  store: BlobStore;
  events: EventSink;
  clock: () => Date;
  logger: Logger;
}

export interface MetadataKeyView {
  fingerprint: string;
  algorithm: string;
  createdAt: string;
  /** Signs repomd.xml now. */
  signing: boolean;
}

/** Most keys a repo publishes at once (the current one and the next, with room for one more). */
export const MAX_METADATA_KEYS = 3;

const view = (set: MetadataKeySet): MetadataKeyView[] =>
  set.keys.map((k) => ({ fingerprint: k.fingerprint, algorithm: k.algorithm, createdAt: k.createdAt, signing: k.fingerprint === set.signing }));

/** The set as stored, or the implicit one of a repo that never rotated (its first key only). */
async function currentSet(store: BlobStore, tenant: string, repo: string): Promise<{ set: MetadataKeySet; etag: string | null }> {
  const got = await readKeySet(store, tenant, repo);
  if (got) return { set: got.value, etag: got.etag };
  const config = await getRepo(store, tenant, repo);
  if (!config) throw notFound(tenant, repo);
  const first: MetadataKeyRecord = { ...config.metadataKey, createdAt: config.createdAt, file: 'original' };
  return { set: { signing: first.fingerprint, keys: [first], updatedAt: config.createdAt }, etag: null };
}

async function saveSet(store: BlobStore, tenant: string, repo: string, set: MetadataKeySet, etag: string | null): Promise<void> {
  try {
    await writeJson(store, metadataKeySetKey(tenant, repo), set, etag === null ? { ifNoneMatch: '*' } : { ifMatch: etag });
  } catch (e) {
    if (isStorageError(e, 'precondition_failed')) throw new Refusal('busy', 'busy', `the metadata keys of ${tenant}/${repo} changed meanwhile: try again`, {}, 1);
    throw e;
  }
}

async function ownMetadata(store: BlobStore, tenant: string, repo: string): Promise<void> {
  if (!(await getRepo(store, tenant, repo))) throw notFound(tenant, repo);
  if (await isCompleteMirror(store, tenant, repo)) {
    throw new Refusal('conflict', 'mirror_repo', `${tenant}/${repo} is a complete mirror: it serves upstream's signed metadata and key`);
  }
}

function keyOf(set: MetadataKeySet, tenant: string, repo: string, fingerprint: string): MetadataKeyRecord {
  const k = set.keys.find((x) => x.fingerprint === fingerprint.toUpperCase());
  if (!k) throw new Refusal('not_found', 'key_not_found', `${tenant}/${repo} has no metadata key ${fingerprint.slice(0, 64)}`);
  return k;
}

export async function listMetadataKeys(store: BlobStore, tenant: string, repo: string): Promise<MetadataKeyView[]> {
  return view((await currentSet(store, tenant, repo)).set);
}

/** Generates a key and publishes it beside the others; it does not sign yet. 409 `too_many_keys`. */
export async function addMetadataKey(deps: KeyDeps, tenancy: Pick<RepoTenancy, 'appendAudit'>, tenant: string, repo: string, actor: string): Promise<MetadataKeyView[]> {
  const { store } = deps;
  await ownMetadata(store, tenant, repo);
  const { set, etag } = await currentSet(store, tenant, repo);
  if (set.keys.length >= MAX_METADATA_KEYS) {
    throw new Refusal('conflict', 'too_many_keys', `${tenant}/${repo} already publishes ${set.keys.length} metadata keys: retire one first`);
  }
  const now = deps.clock();
  const key = await generateMetadataKey(tenant, repo, now);
  const fingerprint = key.getFingerprint().toUpperCase();
  await store.put(rotatedMetadataKeyKey(tenant, repo, fingerprint), new TextEncoder().encode(key.armor()), { ifNoneMatch: '*', contentType: 'application/pgp-keys' });
  const record: MetadataKeyRecord = { fingerprint, algorithm: `RSA-${key.getAlgorithmInfo().bits ?? '?'}`, createdAt: now.toISOString(), file: 'rotated' };
  const next: MetadataKeySet = { ...set, keys: [...set.keys, record], updatedAt: now.toISOString() };
  await saveSet(store, tenant, repo, next, etag);
  await tenancy.appendAudit(store, tenant, { actor, action: 'metadata_key.add', target: repo, details: { fingerprint } }, now);
  return view(next);
}

/**
 * A new index revision with the same packages: regeneration then writes metadata signed by the
 * current signing key (generations are immutable per revision). Null when the repo has no
 * metadata yet (the first one will be signed by the new key anyway).
 */
async function resign(deps: KeyDeps, tenant: string, repo: string): Promise<number | null> {
  const { store } = deps;
  if (!(await readCurrent(store, tenant, repo))) return null;
  for (let attempt = 0; attempt < 32; attempt++) {
    const { head, etag } = await loadHead(store, tenant, repo);
    const { next, record } = await nextHead(store, tenant, repo, head, deps.clock, (revision, at) => ({ revision, at, added: [], removed: [] }), head.count, head.list);
    if (await swapHead(store, tenant, repo, next, etag)) {
      await afterCommit(store, tenant, repo, head, record);
      try {
        await deps.events.send({ tenant, repo, revision: next.revision });
      } catch (e) {
        deps.logger.error('repo change event failed', { tenant, repo, revision: next.revision, error: String(e) });
      }
      return next.revision;
    }
  }
  throw new Refusal('busy', 'busy', `${tenant}/${repo} kept changing: try again`, {}, 1);
}

/** Signs with `fingerprint` from now on (the metadata is signed again under a new revision). */
export async function useMetadataKey(
  deps: KeyDeps, tenancy: Pick<RepoTenancy, 'appendAudit'>, tenant: string, repo: string, fingerprint: string, actor: string,
): Promise<{ keys: MetadataKeyView[]; revision: number | null }> {
  const { store } = deps;
  await ownMetadata(store, tenant, repo);
  const { set, etag } = await currentSet(store, tenant, repo);
  const k = keyOf(set, tenant, repo, fingerprint);
  if (set.signing === k.fingerprint) return { keys: view(set), revision: null };
  const now = deps.clock();
  const next: MetadataKeySet = { ...set, signing: k.fingerprint, updatedAt: now.toISOString() };
  await saveSet(store, tenant, repo, next, etag);
  const revision = await resign(deps, tenant, repo);
  await tenancy.appendAudit(store, tenant, { actor, action: 'metadata_key.use', target: repo, details: { fingerprint: k.fingerprint, previous: set.signing, revision } }, now);
  return { keys: view(next), revision };
}

/** Stops publishing a key that no longer signs, and deletes its secret. 409 `signing_key` for the signing one. */
export async function retireMetadataKey(
  deps: KeyDeps, tenancy: Pick<RepoTenancy, 'appendAudit'>, tenant: string, repo: string, fingerprint: string, actor: string,
): Promise<MetadataKeyView[]> {
  const { store } = deps;
  await ownMetadata(store, tenant, repo);
  const { set, etag } = await currentSet(store, tenant, repo);
  const k = keyOf(set, tenant, repo, fingerprint);
  if (set.signing === k.fingerprint) {
    throw new Refusal('conflict', 'signing_key', `${k.fingerprint} signs ${tenant}/${repo}'s metadata: switch signing to another key first`);
  }
  const now = deps.clock();
  const next: MetadataKeySet = { ...set, keys: set.keys.filter((x) => x !== k), updatedAt: now.toISOString() };
  await saveSet(store, tenant, repo, next, etag);
  await store.delete(secretKeyKey(tenant, repo, k));
  await tenancy.appendAudit(store, tenant, { actor, action: 'metadata_key.retire', target: repo, details: { fingerprint: k.fingerprint } }, now);
  return view(next);
}
