/**
 * Trusted publisher keys: `t/<t>/keys/<fpr>.asc` (tenant-wide) and `t/<t>/r/<r>/keys/<fpr>.asc`
 * (one repo). A package is trusted for a repo when it verifies with any key of the union.
 *
 * Keys are checked on the way in so mistakes surface at upload, not at the first publish: one
 * public key per request, currently valid (not expired, not revoked) and able to sign with a
 * supported algorithm. All refusals are 422 `invalid_key` with a `reason`.
 */
import * as openpgp from 'openpgp';
import { Keyring, type KeyInfo } from '../core/pgp/keyring.js';
import type { BlobStore } from '../storage/blob-store.js';
import { listAll } from '../storage/blob-store.js';
import { trustedKeyKey, trustedKeysPrefix } from '../storage/keys.js';
import { publishPublicKey } from './client-keys.js';
import { Refusal } from './errors.js';
import { readText } from '../storage/json-blob.js';

export interface KeyScope {
  tenant: string;
  /** Absent for a tenant-wide key. */
  repo?: string;
}

export type InvalidKeyReason = 'unreadable' | 'not_one_key' | 'secret_key' | 'expired' | 'revoked' | 'not_signing';

function invalidKey(reason: InvalidKeyReason, detail: string): Refusal {
  return new Refusal('unprocessable', 'invalid_key', detail, { reason });
}

async function parseOne(armored: string): Promise<openpgp.Key> {
  if (/-----BEGIN PGP PRIVATE KEY BLOCK-----/.test(armored)) {
    throw invalidKey('secret_key', 'this is a secret key: upload only the public key (gpg --armor --export)');
  }
  let keys: openpgp.Key[];
  try {
    keys = await openpgp.readKeys({ armoredKeys: armored });
  } catch (err) {
    throw invalidKey('unreadable', `not an armored OpenPGP public key: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (keys.length !== 1) throw invalidKey('not_one_key', `expected exactly one key, found ${keys.length}`);
  const key = keys[0] as openpgp.Key;
  if (key.isPrivate()) throw invalidKey('secret_key', 'this is a secret key: upload only the public key');
  return key;
}

/**
 * A key made moments ago on a machine whose clock runs ahead is "created in the future" for us;
 * judge such a key at its creation time, within this skew.
 */
const CLOCK_SKEW_MS = 15 * 60_000;

/** Validates and stores a key (replacing an earlier copy, e.g. with a new expiry). */
export async function addTrustedKey(store: BlobStore, scope: KeyScope, armored: string, at = new Date()): Promise<KeyInfo> {
  const key = await parseOne(armored);
  const created = key.getCreationTime().getTime();
  const now = created > at.getTime() && created - at.getTime() <= CLOCK_SKEW_MS ? new Date(created) : at;
  try {
    await key.verifyPrimaryKey(now);
  } catch (err) {
    const detail = err instanceof Error ? err.message : String(err);
    if (/revoked/i.test(detail)) throw invalidKey('revoked', `the key is revoked: ${detail}`);
    if (/expired/i.test(detail)) throw invalidKey('expired', `the key is expired: ${detail}`);
    throw invalidKey('unreadable', `the key is not valid: ${detail}`);
  }
  const ring = new Keyring();
  const [info] = await ring.add([key]);
  if (!info) throw invalidKey('unreadable', 'the key could not be indexed');
  let canSign = false;
  for (const part of ring.keys()) {
    const found = await ring.lookup({ fingerprint: part.fingerprint }, now);
    if (found.usable.some((k) => k.material.kind !== 'unsupported')) canSign = true;
  }
  if (!canSign) throw invalidKey('not_signing', 'neither the key nor a subkey can make signatures Berth verifies');

  const armoredPublic = key.toPublic().armor();
  await store.put(trustedKeyKey(scope.tenant, scope.repo, info.fingerprint), new TextEncoder().encode(armoredPublic), {
    contentType: 'application/pgp-keys',
  });
  // what clients import for gpgcheck, without credentials (config.repo lists it)
  await publishPublicKey(store, info.fingerprint, armoredPublic);
  return info;
}

async function readScope(store: BlobStore, scope: KeyScope, ring: Keyring): Promise<KeyInfo[]> {
  const out: KeyInfo[] = [];
  for await (const item of listAll(store, trustedKeysPrefix(scope.tenant, scope.repo))) {
    if (!item.key.endsWith('.asc')) continue;
    const got = await readText(store, item.key);
    if (got) out.push(...(await ring.add(got.text)));
  }
  return out;
}

/** The keys of exactly this scope (tenant-wide, or one repo's own), by fingerprint. */
export async function listTrustedKeys(store: BlobStore, scope: KeyScope): Promise<KeyInfo[]> {
  return readScope(store, scope, new Keyring());
}

/** True when a key was removed. `fpr` in either case. */
export async function removeTrustedKey(store: BlobStore, scope: KeyScope, fpr: string): Promise<boolean> {
  return store.delete(trustedKeyKey(scope.tenant, scope.repo, fpr));
}

/** Keyrings built per store, by tenant/repo: the key blobs (key and ETag) each was built from. */
const rings = new WeakMap<BlobStore, Map<string, { stamp: string; ring: Keyring }>>();
/** Keyrings a process keeps per store (one per repo that publishes). */
const MAX_RINGS = 256;

/** The key blobs of a scope, with their ETags: `key etag` lines. */
async function scopeStamp(store: BlobStore, scope: KeyScope): Promise<string> {
  const lines: string[] = [];
  for await (const item of listAll(store, trustedKeysPrefix(scope.tenant, scope.repo))) {
    if (!item.key.endsWith('.asc')) continue;
    const etag = item.etag ?? (await store.head(item.key))?.etag;
    if (etag !== undefined) lines.push(`${item.key} ${etag}`);
  }
  return lines.join('\n');
}

/**
 * The keyring packages of `tenant/repo` are verified against: tenant keys plus the repo's own.
 * Parsed keys (and the key signatures openpgp has verified on them) are reused while the same key
 * blobs, by ETag, are listed: a key added, removed or replaced — by any process on the store —
 * changes the listing, and the ring is built afresh.
 */
export async function trustedKeyring(store: BlobStore, tenant: string, repo: string): Promise<Keyring> {
  const stamp = `${await scopeStamp(store, { tenant })}\n--\n${await scopeStamp(store, { tenant, repo })}`;
  let byRepo = rings.get(store);
  if (!byRepo) rings.set(store, (byRepo = new Map()));
  const id = `${tenant}/${repo}`;
  const known = byRepo.get(id);
  if (known?.stamp === stamp) return known.ring;
  const ring = new Keyring();
  await readScope(store, { tenant }, ring);
  await readScope(store, { tenant, repo }, ring);
  byRepo.delete(id);
  if (byRepo.size >= MAX_RINGS) byRepo.delete(byRepo.keys().next().value as string);
  byRepo.set(id, { stamp, ring });
  return ring;
}
