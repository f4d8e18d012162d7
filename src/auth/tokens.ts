/**
 * API tokens (docs/service.md: Token). The secret `berth_<id>_<secret>` is returned once at
 * creation; storage only ever holds its SHA-256: the record at `tokens/<hash>.json` and the
 * `token-ids/<id>.json` → `{hash, tenant}` index used to revoke and list by the public id.
 * Every verification reads the record, so revocation (deleting both blobs) takes effect at once.
 */
import type { BlobStore } from '../storage/blob-store.js';
import { isStorageError, PreconditionFailedError } from '../storage/errors.js';
import { TOKEN_IDS_PREFIX, tokenIdKey, tokenKey } from '../storage/keys.js';
import { listAll } from '../storage/blob-store.js';
import { readJson, writeJson } from '../storage/json-blob.js';
import { constantTimeEqual, randomBase32, randomBase64Url, sha256Hex } from './crypto.js';
import type { Principal, Scope } from './principal.js';

export interface TokenRecord {
  id: string;
  tenant: string;
  scopes: Scope[];
  /** Repos the token is limited to; null = every repo of the tenant. */
  repos: string[] | null;
  /** ISO 8601; null = never expires. */
  expiresAt: string | null;
  createdAt: string;
  description?: string;
  /**
   * ISO 8601 of a use of the token, to the hour: a verification writes it only when the stored
   * value is older than `LAST_USED_RESOLUTION_SECONDS` (or absent), so a busy token costs one
   * conditional write an hour, not one per request. Absent = not used since it was made.
   */
  lastUsedAt?: string;
  /** SHA-256 hex of the whole token (what the record is keyed by); compared in constant time. */
  hash: string;
}

/** What listings show: the record without the hash; `lastUsedAt` null when never used. */
export type TokenInfo = Omit<TokenRecord, 'hash' | 'lastUsedAt'> & { lastUsedAt: string | null };

/** How coarse "last used" is: uses within this many seconds of the recorded one write nothing. */
export const LAST_USED_RESOLUTION_SECONDS = 3600;

export interface TokenIdEntry {
  hash: string;
  tenant: string;
}

export interface NewToken {
  tenant: string;
  scopes: Scope[];
  repos: string[] | null;
  expiresAt: Date | null;
  description?: string;
}

const TOKEN_FORMAT = /^berth_([a-z2-7]{12})_([A-Za-z0-9_-]{43})$/;
const MAX_ID_ATTEMPTS = 5;

export function tokenInfo(record: TokenRecord): TokenInfo {
  const { hash: _hash, lastUsedAt, ...info } = record;
  return { ...info, lastUsedAt: lastUsedAt ?? null };
}

/** Creates a token; the returned `token` is the only copy of the secret. */
export async function createToken(
  store: BlobStore,
  input: NewToken,
  now: Date,
): Promise<{ id: string; token: string; record: TokenRecord }> {
  for (let attempt = 0; attempt < MAX_ID_ATTEMPTS; attempt++) {
    const id = randomBase32(12);
    const token = `berth_${id}_${randomBase64Url(32)}`;
    const hash = await sha256Hex(token);
    const record: TokenRecord = {
      id,
      tenant: input.tenant,
      scopes: [...input.scopes],
      repos: input.repos === null ? null : [...input.repos],
      expiresAt: input.expiresAt ? input.expiresAt.toISOString() : null,
      createdAt: now.toISOString(),
      ...(input.description !== undefined ? { description: input.description } : {}),
      hash,
    };
    try {
      // The id index first, create-only: a (60-bit, so astronomically rare) id collision retries.
      await writeJson(store, tokenIdKey(id), { hash, tenant: input.tenant } satisfies TokenIdEntry, { ifNoneMatch: '*' });
    } catch (err) {
      if (isStorageError(err, PreconditionFailedError.CODE)) continue;
      throw err;
    }
    await writeJson(store, tokenKey(hash), record, { ifNoneMatch: '*' });
    return { id, token, record };
  }
  throw new Error(`could not allocate a token id after ${MAX_ID_ATTEMPTS} attempts`);
}

/** True when `token` has the shape of a Berth API token (not whether it is valid). */
export function looksLikeToken(token: string): boolean {
  return TOKEN_FORMAT.test(token);
}

/**
 * The principal a presented token stands for, or null when it is malformed, unknown, revoked or
 * expired (callers answer all of these alike: 401 `invalid_token`).
 */
export async function verifyToken(store: BlobStore, token: string, now: Date): Promise<Principal | null> {
  return (await verifyTokenUntil(store, token, now))?.principal ?? null;
}

/**
 * `verifyToken`, with the moment the token stops being valid (ms since the epoch; null = never),
 * so whoever remembers the verdict never remembers it past that moment.
 */
export async function verifyTokenUntil(store: BlobStore, token: string, now: Date): Promise<{ principal: Principal; expiresAt: number | null } | null> {
  const m = TOKEN_FORMAT.exec(token);
  if (!m) return null;
  const hash = await sha256Hex(token);
  const got = await readJson<TokenRecord>(store, tokenKey(hash));
  if (!got) return null;
  const record = got.value;
  if (typeof record.hash !== 'string' || !constantTimeEqual(record.hash, hash) || record.id !== m[1]) return null;
  const expiresAt = record.expiresAt === null ? null : Date.parse(record.expiresAt);
  if (expiresAt !== null && !(expiresAt > now.getTime())) return null;
  await noteUse(store, tokenKey(hash), got, now);
  return { principal: { kind: 'token', id: record.id, tenant: record.tenant, scopes: record.scopes, repos: record.repos }, expiresAt };
}

/**
 * Records that the token was used, when the stored time is older than the resolution: one write,
 * conditional on the record read (a revocation or a concurrent note in between wins, and nothing
 * is written). Never fails the request: a read-only store (the Worker over SAS) or a lost race
 * only leaves the older time.
 */
async function noteUse(store: BlobStore, key: string, got: { value: TokenRecord; etag: string }, now: Date): Promise<void> {
  const last = got.value.lastUsedAt === undefined ? NaN : Date.parse(got.value.lastUsedAt);
  if (now.getTime() - last < LAST_USED_RESOLUTION_SECONDS * 1000) return;
  try {
    await writeJson(store, key, { ...got.value, lastUsedAt: now.toISOString() } satisfies TokenRecord, { ifMatch: got.etag });
  } catch {
    // see above: the time stays as it was
  }
}

/** The record behind a public token id, or null. */
export async function getToken(store: BlobStore, id: string): Promise<TokenRecord | null> {
  const entry = await readJson<TokenIdEntry>(store, tokenIdKey(id));
  if (!entry) return null;
  const got = await readJson<TokenRecord>(store, tokenKey(entry.value.hash));
  return got ? got.value : null;
}

/**
 * Deletes the record (which makes the token invalid at once), then the id index. Returns the
 * revoked record, or null when there was no such token. A crash in between leaves an index entry
 * pointing at nothing, which readers treat as absent and the next revoke removes.
 */
export async function revokeToken(store: BlobStore, id: string): Promise<TokenRecord | null> {
  const entry = await readJson<TokenIdEntry>(store, tokenIdKey(id));
  if (!entry) return null;
  const got = await readJson<TokenRecord>(store, tokenKey(entry.value.hash));
  await store.delete(tokenKey(entry.value.hash));
  await store.delete(tokenIdKey(id));
  return got ? got.value : null;
}

/** Every live token of a tenant (expired ones included: they are revocable), oldest first. */
export async function listTokens(store: BlobStore, tenant: string): Promise<TokenRecord[]> {
  const out: TokenRecord[] = [];
  for await (const item of listAll(store, TOKEN_IDS_PREFIX)) {
    const entry = await readJson<TokenIdEntry>(store, item.key);
    if (!entry || entry.value.tenant !== tenant) continue;
    const got = await readJson<TokenRecord>(store, tokenKey(entry.value.hash));
    if (got) out.push(got.value);
  }
  return out.sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id));
}

/** Revokes every token of a tenant (a deleted one); returns their ids. Reads every token's id index. */
export async function revokeTenantTokens(store: BlobStore, tenant: string): Promise<string[]> {
  const ids: string[] = [];
  for (const t of await listTokens(store, tenant)) {
    await revokeToken(store, t.id);
    ids.push(t.id);
  }
  return ids;
}
