/**
 * Browse-page login sessions. A person logs in once with a token (or the operator credential);
 * the browser then holds only a random session id in an HttpOnly cookie — never the token, so
 * neither a URL, a log line nor page script can catch it.
 *
 * The store keeps `logins/<sha256(id)>.json` `{kind, tokenHash | operatorHash, createdAt,
 * expiresAt}`: keyed by the hash, so a copy of the store cannot be replayed as a cookie either.
 * A session stands for its credential and no more: every request resolves it through the token
 * record (`tokens/<tokenHash>.json`), so revoking or expiring the token ends every session made
 * with it at once, and a rotated operator credential ends operator sessions. Logout deletes the
 * record. Sessions last at most `SESSION_SECONDS` and never past their token's expiry; GC
 * removes records older than that (`isExpiredLogin`, from the listing alone: repo/gc-logins.ts).
 */
import type { BlobStore } from '../storage/blob-store.js';
import { readJson, writeJson } from '../storage/json-blob.js';
import { loginKey, tokenKey } from '../storage/keys.js';
import { constantTimeEqual, randomBase64Url, sha256Hex } from './crypto.js';
import type { Principal } from './principal.js';
import type { TokenRecord } from './tokens.js';

/** Longest a session lasts (12 hours): a working day, then log in again. */
export const SESSION_SECONDS = 12 * 3600;

export type SessionRecord =
  | { kind: 'token'; tokenHash: string; createdAt: string; expiresAt: string }
  | { kind: 'operator'; operatorHash: string; createdAt: string; expiresAt: string };

/** What a login presents: the hash of a verified token, or the operator credential's hash. */
export type SessionSubject = { kind: 'token'; tokenHash: string; tokenExpiresAt: string | null } | { kind: 'operator'; operatorHash: string };

const SESSION_ID = /^[A-Za-z0-9_-]{43}$/;

/** Creates a session; returns the id for the cookie (the only copy) and when it ends. */
export async function createSession(store: BlobStore, subject: SessionSubject, now: Date): Promise<{ id: string; expiresAt: Date }> {
  let end = now.getTime() + SESSION_SECONDS * 1000;
  if (subject.kind === 'token' && subject.tokenExpiresAt !== null) end = Math.min(end, Date.parse(subject.tokenExpiresAt));
  const expiresAt = new Date(end);
  const id = randomBase64Url(32);
  const base = { createdAt: now.toISOString(), expiresAt: expiresAt.toISOString() };
  const record: SessionRecord = subject.kind === 'token'
    ? { kind: 'token', tokenHash: subject.tokenHash, ...base }
    : { kind: 'operator', operatorHash: subject.operatorHash, ...base };
  await writeJson(store, loginKey(await sha256Hex(id)), record, { ifNoneMatch: '*' });
  return { id, expiresAt };
}

/**
 * The principal a session id stands for now, or null: malformed, unknown, logged out, expired,
 * or its credential revoked, expired or (operator) replaced. An expired record is deleted.
 */
export async function resolveSession(store: BlobStore, id: string, now: Date, operatorTokenHash: string | null): Promise<Principal | null> {
  if (!SESSION_ID.test(id)) return null;
  const key = loginKey(await sha256Hex(id));
  const got = await readJson<SessionRecord>(store, key);
  if (!got) return null;
  const session = got.value;
  if (!(Date.parse(session.expiresAt) > now.getTime())) {
    await store.delete(key);
    return null;
  }
  if (session.kind === 'operator') {
    const current = operatorTokenHash?.toLowerCase() ?? '';
    return current !== '' && constantTimeEqual(session.operatorHash, current) ? { kind: 'operator' } : null;
  }
  if (typeof session.tokenHash !== 'string' || !/^[0-9a-f]{64}$/.test(session.tokenHash)) return null;
  const token = await readJson<TokenRecord>(store, tokenKey(session.tokenHash));
  if (!token) return null;
  const record = token.value;
  if (typeof record.hash !== 'string' || !constantTimeEqual(record.hash, session.tokenHash)) return null;
  if (record.expiresAt !== null && !(Date.parse(record.expiresAt) > now.getTime())) return null;
  return { kind: 'token', id: record.id, tenant: record.tenant, scopes: record.scopes, repos: record.repos };
}

/** Logout: the record goes, so the id is worthless even if the cookie survives somewhere. */
export async function deleteSession(store: BlobStore, id: string): Promise<boolean> {
  if (!SESSION_ID.test(id)) return false;
  return store.delete(loginKey(await sha256Hex(id)));
}

/** True when a login record last written at `lastModified` has certainly expired by `now`. */
export function isExpiredLogin(lastModified: Date, now: Date): boolean {
  return lastModified.getTime() < now.getTime() - SESSION_SECONDS * 1000;
}
