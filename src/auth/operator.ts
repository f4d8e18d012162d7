/**
 * The operator credential (BERTH_ADMIN_TOKEN). Only its SHA-256 is ever held (config, or
 * `operator.json` for an embedded store started without the variable).
 */
import type { BlobStore } from '../storage/blob-store.js';
import { PreconditionFailedError, isStorageError } from '../storage/errors.js';
import { operatorKey } from '../storage/keys.js';
import { readJson, writeJson } from '../storage/json-blob.js';
import { constantTimeEqual, randomBase64Url, sha256Hex } from './crypto.js';

/** True when `presented` is the operator credential whose hash is `operatorTokenHash`. */
export async function isOperatorToken(presented: string, operatorTokenHash: string | null): Promise<boolean> {
  if (!operatorTokenHash || presented.length === 0) return false;
  return constantTimeEqual(await sha256Hex(presented), operatorTokenHash.toLowerCase());
}

export async function operatorTokenHash(token: string): Promise<string> {
  return sha256Hex(token);
}

/**
 * The stored operator hash, creating a fresh credential when there is none. `token` is set only
 * when this call created it (print it once; it is not recoverable). Create-only, so two instances
 * starting together agree on one credential.
 */
export async function ensureOperatorCredential(store: BlobStore): Promise<{ hash: string; token: string | null }> {
  const existing = await readJson<{ hash: string }>(store, operatorKey());
  if (existing) return { hash: existing.value.hash, token: null };
  const token = `berth_op_${randomBase64Url(32)}`;
  const hash = await sha256Hex(token);
  try {
    await writeJson(store, operatorKey(), { hash }, { ifNoneMatch: '*' });
  } catch (err) {
    if (!isStorageError(err, PreconditionFailedError.CODE)) throw err;
    const winner = await readJson<{ hash: string }>(store, operatorKey());
    if (!winner) throw err;
    return { hash: winner.value.hash, token: null };
  }
  return { hash, token };
}
