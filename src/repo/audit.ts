/**
 * The tenant audit log `t/<t>/audit/<seq>.json`: one create-only blob per entry, numbered
 * densely from 1, each carrying the hash of its predecessor. Create-only numbering makes the
 * store arbitrate concurrent writers (exactly one wins a seq; the others re-read and retry), and
 * the chain makes an edited, removed or reordered entry detectable.
 *
 * `hash` = sha256 hex of the canonical JSON (object keys sorted, recursively) of the entry
 * without `hash`; `prev` = the previous entry's `hash`, 64 zeros for seq 1. Canonical form keeps
 * the hash stable across JSON round trips that reorder keys (integer-like keys move first).
 */
import { sha256Hex } from '../auth/crypto.js';
import { BerthError } from '../core/errors.js';
import type { BlobStore } from '../storage/blob-store.js';
import { listAll } from '../storage/blob-store.js';
import { PreconditionFailedError, isStorageError } from '../storage/errors.js';
import { auditKey, auditPrefix } from '../storage/keys.js';
import { readJson, writeJson } from '../storage/json-blob.js';

export interface AuditInput {
  /** Token id, or `operator`. */
  actor: string;
  action: string;
  target: string;
  details: Record<string, unknown>;
}

export interface AuditEntry extends AuditInput {
  seq: number;
  /** ISO 8601. */
  at: string;
  prev: string;
  hash: string;
}

export const GENESIS = '0'.repeat(64);
// As the index CAS (index-store.ts): one writer wins each seq, so N simultaneous publishers need
// up to N rounds; exponential full-jitter back-off spreads them out instead of re-colliding.
const MAX_ATTEMPTS = 64;
const BASE_DELAY_MS = 4;
const MAX_DELAY_MS = 250;

export class AuditContentionError extends BerthError {
  override name = 'AuditContentionError';
  static readonly CODE = 'audit_contention';
  constructor(tenant: string) {
    super(AuditContentionError.CODE, `audit log of ${tenant} kept changing: gave up after ${MAX_ATTEMPTS} attempts`);
  }
}

export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map((v) => canonicalJson(v === undefined ? null : v)).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

export async function entryHash(entry: Omit<AuditEntry, 'hash'>): Promise<string> {
  const { seq, at, actor, action, target, details, prev } = entry;
  return sha256Hex(canonicalJson({ seq, at, actor, action, target, details, prev }));
}

async function lastEntry(store: BlobStore, tenant: string): Promise<AuditEntry | null> {
  let lastKey: string | null = null;
  for await (const item of listAll(store, auditPrefix(tenant))) lastKey = item.key;
  if (lastKey === null) return null;
  const got = await readJson<AuditEntry>(store, lastKey);
  return got ? got.value : null;
}

export async function appendAudit(store: BlobStore, tenant: string, input: AuditInput, now: Date): Promise<AuditEntry> {
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const last = await lastEntry(store, tenant);
    const body: Omit<AuditEntry, 'hash'> = {
      seq: (last?.seq ?? 0) + 1,
      at: now.toISOString(),
      actor: input.actor,
      action: input.action,
      target: input.target,
      details: input.details,
      prev: last?.hash ?? GENESIS,
    };
    const entry: AuditEntry = { ...body, hash: await entryHash(body) };
    try {
      await writeJson(store, auditKey(tenant, entry.seq), entry, { ifNoneMatch: '*' });
      return entry;
    } catch (err) {
      if (!isStorageError(err, PreconditionFailedError.CODE)) throw err;
      // Another writer took this seq: back off (full jitter) and build on theirs.
      const ceiling = Math.min(MAX_DELAY_MS, BASE_DELAY_MS * 2 ** Math.min(attempt + 1, 16));
      await new Promise((r) => setTimeout(r, Math.random() * ceiling));
    }
  }
  throw new AuditContentionError(tenant);
}

export interface AuditPage {
  /** Entries with seq > after (default 0: from the start). */
  after?: number;
  /** At most this many entries (default: all). */
  limit?: number;
}

/** Entries in seq order (by key, which is the zero-padded seq). */
export async function readAudit(store: BlobStore, tenant: string, page: AuditPage = {}): Promise<AuditEntry[]> {
  const prefix = auditPrefix(tenant);
  const after = page.after ?? 0;
  const limit = page.limit ?? Number.POSITIVE_INFINITY;
  const out: AuditEntry[] = [];
  for await (const item of listAll(store, prefix)) {
    if (out.length >= limit) break;
    if (Number(item.key.slice(prefix.length).replace(/\.json$/, '')) <= after) continue;
    const got = await readJson<AuditEntry>(store, item.key);
    if (got) out.push(got.value);
  }
  return out;
}

/** The entry a page after `seq` must link to: seq 0 is the genesis. */
export async function auditAnchor(store: BlobStore, tenant: string, seq: number): Promise<{ seq: number; hash: string } | null> {
  if (seq === 0) return { seq: 0, hash: GENESIS };
  const got = await readJson<AuditEntry>(store, auditKey(tenant, seq));
  return got ? { seq: got.value.seq, hash: got.value.hash } : null;
}

/**
 * True when seqs run on from the anchor without gaps (1..n by default), each `prev` names its
 * predecessor and every hash recomputes. A page verifies against the entry before it.
 */
export async function verifyAuditChain(
  entries: readonly AuditEntry[],
  anchor: { seq: number; hash: string } = { seq: 0, hash: GENESIS },
): Promise<boolean> {
  let prev = anchor.hash;
  for (let i = 0; i < entries.length; i++) {
    const e = entries[i] as AuditEntry;
    if (e.seq !== anchor.seq + i + 1 || e.prev !== prev) return false;
    const { hash, ...body } = e;
    if ((await entryHash(body)) !== hash) return false;
    prev = hash;
  }
  return true;
}
