/**
 * The public keys a dnf client of a repo needs, and where it gets them without credentials
 * (docs/service.md, Client configuration). `config.repo` lists the key(s) that verify the served
 * repomd.xml (`repodata/repomd.xml.key`, metadata-keys.ts decides which) and every publisher key
 * the repo trusts (the tenant's and the repo's own), each at `/keys/<FINGERPRINT>.asc`.
 *
 * Those are served from one store-wide copy per fingerprint, `pubkeys/<fpr>.asc`, written when a
 * key is trusted (and, for keys trusted before that copy existed, when a config.repo lists them):
 * public key material only, create-only, never removed when a scope stops trusting the key (other
 * scopes may still; a client configured earlier keeps reaching it). The URL names no tenant or
 * repo, so it tells nothing about either; fetching it needs the 160- or 256-bit fingerprint.
 */
import * as openpgp from 'openpgp';
import type { BlobStore } from '../storage/blob-store.js';
import { isStorageError } from '../storage/errors.js';
import { readText } from '../storage/json-blob.js';
import { listAll } from '../storage/blob-store.js';
import { publicKeyKey, trustedKeysPrefix } from '../storage/keys.js';
import { readMirrorConfig } from './mirror-config.js';

/**
 * Stores `armoredPublic` (public key material only) as the copy served for `fingerprint`:
 * replacing an older copy (a key trusted again with a new expiry), or with `onlyIfMissing` never.
 */
export async function publishPublicKey(store: BlobStore, fingerprint: string, armoredPublic: string, onlyIfMissing = false): Promise<void> {
  try {
    await store.put(publicKeyKey(fingerprint), new TextEncoder().encode(armoredPublic), {
      contentType: 'application/pgp-keys', ...(onlyIfMissing ? { ifNoneMatch: '*' as const } : {}),
    });
  } catch (e) {
    if (!isStorageError(e, 'precondition_failed')) throw e;
  }
}

/** The armored public key served at /keys/<fpr>.asc, or null. `fpr`: 40 or 64 hex digits, either case. */
export async function readPublicKey(store: BlobStore, fingerprint: string): Promise<string | null> {
  return (await readText(store, publicKeyKey(fingerprint)))?.text ?? null;
}

/**
 * The publisher keys of `tenant/repo` a client needs: the tenant's and the repo's trusted keys,
 * and a mirror's upstream key(s) (upstream signs its packages). Each is published (a no-op after
 * the first time). A store that cannot be written (a read-only deployment) still answers: a key
 * trusted through the API was published then.
 */
export async function publisherKeys(store: BlobStore, tenant: string, repo: string): Promise<string[]> {
  /** fingerprint → how to get the armored key when it is not published yet */
  const found = new Map<string, () => Promise<string | null>>();
  for (const prefix of [trustedKeysPrefix(tenant), trustedKeysPrefix(tenant, repo)]) {
    for await (const item of listAll(store, prefix)) {
      const fpr = /^([0-9a-f]{40}|[0-9a-f]{64})\.asc$/.exec(item.key.slice(prefix.length))?.[1]?.toUpperCase();
      if (fpr !== undefined && !found.has(fpr)) found.set(fpr, async () => (await readText(store, item.key))?.text ?? null);
    }
  }
  const mirror = await readMirrorConfig(store, tenant, repo);
  if (mirror?.key) {
    for (const key of await openpgp.readKeys({ armoredKeys: mirror.key })) {
      const fpr = key.getFingerprint().toUpperCase();
      if (!found.has(fpr)) found.set(fpr, async () => key.toPublic().armor());
    }
  }
  for (const [fpr, armored] of found) {
    if (await store.head(publicKeyKey(fpr))) continue;
    const text = await armored();
    if (text !== null) await publishPublicKey(store, fpr, text, true).catch(() => undefined);
  }
  return [...found.keys()].sort();
}

export interface ClientConfig {
  /** Publisher keys to list (uppercase fingerprints, each served at /keys/<FPR>.asc). */
  publisher: string[];
  /** repodata/repomd.xml.key has a key (false: a complete mirror of an unsigned upstream). */
  metadataKey: boolean;
  completeMirror: boolean;
}

/** What config.repo says about keys for `tenant/repo`. */
export async function clientConfig(store: BlobStore, tenant: string, repo: string): Promise<ClientConfig> {
  const mirror = await readMirrorConfig(store, tenant, repo);
  const completeMirror = mirror?.mode === 'complete';
  return { publisher: await publisherKeys(store, tenant, repo), metadataKey: !completeMirror || Boolean(mirror?.key), completeMirror };
}
