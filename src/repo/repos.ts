/**
 * Repos `t/<t>/r/<r>/config.json` and their metadata signing keys (docs/service.md: Model).
 *
 * Each repo signs its repomd.xml with its own OpenPGP key: RSA 3072, a signing-capable primary
 * key and no subkey, because every dnf/tdnf/gpgme accepts that (EdDSA repomd signatures are not
 * safe with older gpgme/librepo). Generation takes well under a second on Node (measured
 * 0.2-0.8 s), so it happens inline in the create request.
 */
import * as openpgp from 'openpgp';
import { readKeySet, secretKeyKey, signingKeyKey } from './metadata-key-set.js';
import type { BlobStore } from '../storage/blob-store.js';
import { listAll } from '../storage/blob-store.js';
import { PreconditionFailedError, isStorageError } from '../storage/errors.js';
import { metadataKeyKey, publicRepoKey, repoConfigKey, repoRegistryCompleteKey, repoRegistryKey, repoRegistryPrefix, reposPrefix } from '../storage/keys.js';
import { notFound, Refusal } from './errors.js';
import { clearForReuse, startIndexAt } from './repo-reuse.js';
import { readJson, readText, writeJson } from '../storage/json-blob.js';
import { getTenant } from './tenants.js';

export interface RepoConfig {
  tenant: string;
  name: string;
  public: boolean;
  allowUnsigned: boolean;
  /** Free text shown with the repo (at most 500 characters). */
  description?: string;
  /**
   * When this repo (this incarnation of the name) was made: a repo deleted and made again has
   * a new one, which is how long-running writers notice they belong to the old one.
   */
  createdAt: string;
  /** Fingerprint uppercase hex, algorithm e.g. `RSA-3072`. */
  metadataKey: { fingerprint: string; algorithm: string };
}

/**
 * What config.json holds once the repo is deleted (repo-delete.ts): never served as a repo.
 * `revision` is the index revision the repo had; a repo made again under the name starts its
 * index past it, so nothing a writer of the old repo still finishes can pass for the new one's.
 */
export interface RepoTombstone {
  tenant: string;
  name: string;
  createdAt: string;
  deleted: { at: string; actor: string; revision: number; swept: boolean };
}

export interface NewRepo {
  tenant: string;
  name: string;
  public: boolean;
  allowUnsigned: boolean;
  description?: string;
}

export function isTombstone(record: RepoConfig | RepoTombstone): record is RepoTombstone {
  return (record as Partial<RepoTombstone>).deleted !== undefined;
}

/** config.json as stored: a live config, a tombstone, or null. */
export async function readRepoRecord(store: BlobStore, tenant: string, repo: string): Promise<{ value: RepoConfig | RepoTombstone; etag: string } | null> {
  return readJson<RepoConfig | RepoTombstone>(store, repoConfigKey(tenant, repo));
}

/** Signatures use SHA-256: accepted by every rpm/gpgme, and not weaker than the policy floor. */
const SIGN_CONFIG: Partial<openpgp.Config> = { preferredHashAlgorithm: openpgp.enums.hash.sha256 };

export async function generateMetadataKey(tenant: string, repo: string, now: Date): Promise<openpgp.PrivateKey> {
  const { privateKey } = await openpgp.generateKey({
    type: 'rsa',
    rsaBits: 3072,
    subkeys: [],
    userIDs: [{ name: `Berth repository ${tenant}/${repo}` }],
    date: now,
    format: 'object',
  });
  return privateKey;
}

/**
 * 404 `not_found` when the tenant is missing, 409 `repo_exists` when the name is taken. The key
 * is stored create-only before the config: a concurrent creator (or a crashed earlier attempt)
 * that already stored one is adopted, so the config always names the key on disk.
 */
export async function createRepo(store: BlobStore, input: NewRepo, now: Date): Promise<RepoConfig> {
  const configKey = repoConfigKey(input.tenant, input.name);
  if (!(await getTenant(store, input.tenant))) {
    throw notFound(input.tenant);
  }
  const exists = () => new Refusal('conflict', 'repo_exists', `repo ${input.tenant}/${input.name} already exists`);
  const before = await readRepoRecord(store, input.tenant, input.name);
  if (before && !isTombstone(before.value)) throw exists();
  // A name used before: whatever the old repo (or a writer of it still finishing) left goes
  // first, and the new index starts past the old revisions (repo-delete.ts).
  const base = await clearForReuse(store, input.tenant, input.name, before && isTombstone(before.value) ? before.value : null);

  const keyKey = metadataKeyKey(input.tenant, input.name);
  let key = await generateMetadataKey(input.tenant, input.name, now);
  try {
    await store.put(keyKey, new TextEncoder().encode(key.armor()), { ifNoneMatch: '*', contentType: 'application/pgp-keys' });
  } catch (err) {
    if (!isStorageError(err, PreconditionFailedError.CODE)) throw err;
    const adopted = await loadPrivateKey(store, input.tenant, input.name);
    if (!adopted) throw err;
    key = adopted;
  }

  // Registered before the config exists, so a listing never misses a repo (a marker without a
  // config — a crash here — is skipped by listRepos).
  await writeJson(store, repoRegistryKey(input.tenant, input.name), {}, { ifNoneMatch: '*' }).catch((err: unknown) => {
    if (!isStorageError(err, PreconditionFailedError.CODE)) throw err;
  });
  const config: RepoConfig = {
    tenant: input.tenant,
    name: input.name,
    public: input.public,
    allowUnsigned: input.allowUnsigned,
    ...(input.description ? { description: input.description } : {}),
    createdAt: now.toISOString(),
    metadataKey: { fingerprint: key.getFingerprint().toUpperCase(), algorithm: `RSA-${key.getAlgorithmInfo().bits ?? '?'}` },
  };
  if (base > 0) await startIndexAt(store, input.tenant, input.name, base);
  try {
    await writeJson(store, configKey, config, before ? { ifMatch: before.etag } : { ifNoneMatch: '*' });
  } catch (err) {
    if (isStorageError(err, PreconditionFailedError.CODE)) throw exists();
    throw err;
  }
  // After the config, so only the creator that won the name marks it (public-repos.ts).
  if (config.public) await writeJson(store, publicRepoKey(config.tenant, config.name), { tenant: config.tenant, name: config.name, createdAt: config.createdAt });
  return config;
}

/** The repo's config; null when there is none or the repo was deleted. */
export async function getRepo(store: BlobStore, tenant: string, repo: string): Promise<RepoConfig | null> {
  const got = await readRepoRecord(store, tenant, repo);
  return got && !isTombstone(got.value) ? got.value : null;
}

/**
 * Every repo of a tenant, by name: from the tenant's registry `t/<t>/repos/<r>.json`, never by
 * walking `t/<t>/r/` (that holds every fragment, segment and chunk of every repo). A tenant from
 * before the registry is walked once, its markers written, then marked complete.
 */
export async function listRepos(store: BlobStore, tenant: string): Promise<RepoConfig[]> {
  if (!(await store.head(repoRegistryCompleteKey(tenant)))) await buildRegistry(store, tenant);
  const prefix = repoRegistryPrefix(tenant);
  const out: RepoConfig[] = [];
  for await (const item of listAll(store, prefix)) {
    const name = /^([a-z0-9-]+)\.json$/.exec(item.key.slice(prefix.length))?.[1];
    const config = name === undefined ? null : await getRepo(store, tenant, name);
    if (config) out.push(config);
  }
  return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** The one walk of a tenant written before the registry: a marker per config found. */
async function buildRegistry(store: BlobStore, tenant: string): Promise<void> {
  const prefix = reposPrefix(tenant);
  for await (const item of listAll(store, prefix)) {
    const rest = item.key.slice(prefix.length);
    const slash = rest.indexOf('/');
    if (slash < 0 || rest.slice(slash + 1) !== 'config.json') continue;
    await writeJson(store, repoRegistryKey(tenant, rest.slice(0, slash)), {}, { ifNoneMatch: '*' }).catch(() => undefined);
  }
  await writeJson(store, repoRegistryCompleteKey(tenant), { since: new Date().toISOString() });
}

async function loadPrivateKey(store: BlobStore, tenant: string, repo: string): Promise<openpgp.PrivateKey | null> {
  const got = await readText(store, metadataKeyKey(tenant, repo));
  return got ? openpgp.readPrivateKey({ armoredKey: got.text }) : null;
}

/**
 * Parsed signing keys, per store, by repo, with the ETag of the blob they were parsed from: a
 * regeneration checks the ETag (one `head`) instead of reading and parsing an RSA key each time.
 */
const parsedKeys = new WeakMap<BlobStore, Map<string, { etag: string; key: openpgp.PrivateKey }>>();

/** The repo's metadata signing key (the key set's `signing` one, after a rotation); 404 `not_found` when the repo has none. */
export async function metadataSigningKey(store: BlobStore, tenant: string, repo: string): Promise<openpgp.PrivateKey> {
  let byRepo = parsedKeys.get(store);
  if (!byRepo) {
    byRepo = new Map();
    parsedKeys.set(store, byRepo);
  }
  const path = signingKeyKey(tenant, repo, (await readKeySet(store, tenant, repo))?.value ?? null);
  const info = await store.head(path);
  if (!info) throw notFound(tenant, repo);
  const cached = byRepo.get(path);
  if (cached?.etag === info.etag) return cached.key;
  const got = await readText(store, path);
  if (!got) throw notFound(tenant, repo);
  const key = await openpgp.readPrivateKey({ armoredKey: got.text });
  byRepo.set(path, { etag: got.etag, key });
  return key;
}

/**
 * The public halves, armored (served as repomd.xml.key): every key of the key set during a
 * rotation, one after the other, else the repo's key; null when the repo has none.
 */
export async function metadataPublicKeyArmored(store: BlobStore, tenant: string, repo: string): Promise<string | null> {
  const set = (await readKeySet(store, tenant, repo))?.value;
  if (!set) {
    const key = await loadPrivateKey(store, tenant, repo);
    return key ? key.toPublic().armor() : null;
  }
  // one armored block holding every key (as `gpg --export --armor A B` writes): read whole by
  // gpgme (dnf), rpm and OpenPGP libraries alike
  const parts: Uint8Array[] = [];
  for (const k of set.keys) {
    const got = await readText(store, secretKeyKey(tenant, repo, k));
    if (got) parts.push((await openpgp.readPrivateKey({ armoredKey: got.text })).toPublic().write());
  }
  if (parts.length === 0) return null;
  const bytes = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  parts.reduce((at, p) => (bytes.set(p, at), at + p.length), 0);
  return openpgp.armor(openpgp.enums.armor.publicKey, bytes);
}

/** Detached, armored signature of `data` (bytes, or a string signed as its UTF-8 bytes). */
export async function signDetached(store: BlobStore, tenant: string, repo: string, data: Uint8Array | string): Promise<string> {
  const key = await metadataSigningKey(store, tenant, repo);
  const binary = typeof data === 'string' ? new TextEncoder().encode(data) : data;
  const message = await openpgp.createMessage({ binary });
  return openpgp.sign({ message, signingKeys: key, detached: true, format: 'armored', config: SIGN_CONFIG });
}
