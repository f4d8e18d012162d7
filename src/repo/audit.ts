/**
 * The tenant audit log `t/<t>/audit/<seq>.json`: one create-only blob per entry, numbered
 * densely from 1, each carrying the hash of its predecessor. Create-only numbering makes the
 * store arbitrate concurrent writers (exactly one wins a seq; the others move on and retry), and
 * the chain makes an edited, removed or reordered entry detectable.
 *
 * Appending costs the same whatever the log's length (docs/service.md, Model): `audit-head.json`
 * `{seq, hash}` is a hint of the last entry, advanced by CAS when an append passes a multiple of
 * `HINT_EVERY` (so it lags by fewer than that many entries, plus appends in flight, and a busy
 * tenant pays for the hint once per `HINT_EVERY` appends, not once per append); a writer starts
 * from it (or from the last entry it wrote itself), walks forward over the entries after it,
 * probes the next seq — normally absent, one read — and writes there. A lagging hint (a crash between entry and hint) is walked forward; a store
 * without a hint (written before it existed) finds its last entry once by exponential and binary
 * search over seq. Appends of one process are queued per tenant and written in order, so they
 * never collide with each other. Nothing ever lists the log.
 *
 * `hash` = sha256 hex of the canonical JSON (object keys sorted, recursively) of the entry
 * without `hash`; `prev` = the previous entry's `hash`, 64 zeros for seq 1. Canonical form keeps
 * the hash stable across JSON round trips that reorder keys (integer-like keys move first).
 */
import { sha256Hex } from '../auth/crypto.js';
import { BerthError } from '../core/errors.js';
import type { BlobStore } from '../storage/blob-store.js';
import { PreconditionFailedError, isStorageError } from '../storage/errors.js';
import { auditHeadKey, auditKey } from '../storage/keys.js';
import { readJson, writeJson } from '../storage/json-blob.js';
import { GroupQueue, queuesPer } from './group-queue.js';

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
/** The hint is advanced when an append passes a multiple of this: how far it may lag. */
export const HINT_EVERY = 8;

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

interface Tip {
  seq: number;
  hash: string;
}

const GENESIS_TIP: Tip = { seq: 0, hash: GENESIS };

async function entryAt(store: BlobStore, tenant: string, seq: number): Promise<AuditEntry | null> {
  return (await readJson<AuditEntry>(store, auditKey(tenant, seq)))?.value ?? null;
}

/** The last entry at or after `from` (walking forward while the next seq exists). */
async function walk(store: BlobStore, tenant: string, from: Tip): Promise<Tip> {
  let tip = from;
  for (;;) {
    const next = await entryAt(store, tenant, tip.seq + 1);
    if (!next) return tip;
    tip = { seq: next.seq, hash: next.hash };
  }
}

/** Without a hint: the last seq by exponential, then binary search (entries are dense from 1). */
async function search(store: BlobStore, tenant: string): Promise<Tip> {
  const exists = async (seq: number): Promise<boolean> => (await store.head(auditKey(tenant, seq))) !== null;
  if (!(await exists(1))) return GENESIS_TIP;
  let lo = 1;
  let hi = 2;
  while (await exists(hi)) {
    lo = hi;
    hi *= 2;
  }
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (await exists(mid)) lo = mid;
    else hi = mid;
  }
  const last = await entryAt(store, tenant, lo);
  return last ? { seq: last.seq, hash: last.hash } : GENESIS_TIP;
}

async function readHint(store: BlobStore, tenant: string): Promise<{ tip: Tip | null; etag: string | null }> {
  const got = await readJson<Tip>(store, auditHeadKey(tenant)).catch(() => null);
  if (!got || typeof got.value?.seq !== 'number' || typeof got.value.hash !== 'string') return { tip: null, etag: got?.etag ?? null };
  return { tip: got.value, etag: got.etag };
}

/** Moves the hint forward to `tip` (never back); best effort — a lagging hint is only slower. */
async function advanceHint(store: BlobStore, tenant: string, tip: Tip): Promise<void> {
  for (let attempt = 0; attempt < 4; attempt++) {
    const { tip: cur, etag } = await readHint(store, tenant);
    if (cur && cur.seq >= tip.seq) return;
    try {
      await writeJson(store, auditHeadKey(tenant), tip, etag === null ? { ifNoneMatch: '*' } : { ifMatch: etag });
      return;
    } catch (err) {
      if (!isStorageError(err, PreconditionFailedError.CODE)) return;
    }
  }
}

interface Pending {
  input: AuditInput;
  now: Date;
}

/** The last entry this process wrote, per store and tenant (a starting point; the store may be ahead). */
const tips = new WeakMap<BlobStore, Map<string, Tip>>();
/** The seq of the hint this process last wrote, per store and tenant. */
const hinted = new WeakMap<BlobStore, Map<string, number>>();

function hintedIn(store: BlobStore): Map<string, number> {
  let m = hinted.get(store);
  if (!m) hinted.set(store, (m = new Map()));
  return m;
}

type Written = { entry: AuditEntry } | { error: unknown };

const writers = queuesPer<BlobStore, Pending, Written>((store, tenant) => new GroupQueue(async (batch) => {
  let known = tips.get(store);
  if (!known) {
    known = new Map();
    tips.set(store, known);
  }
  const out: Written[] = [];
  for (const p of batch) {
    try {
      const entry = await appendOne(store, tenant, known.get(tenant) ?? null, p);
      known.set(tenant, { seq: entry.seq, hash: entry.hash });
      out.push({ entry });
    } catch (error) {
      known.delete(tenant);
      out.push({ error });
    }
  }
  // before anyone is answered: no I/O is left running for a caller that has its answer
  const tip = known.get(tenant);
  const mine = hintedIn(store);
  const last = mine.get(tenant);
  if (tip && (last === undefined || Math.floor(tip.seq / HINT_EVERY) > Math.floor(last / HINT_EVERY))) {
    await advanceHint(store, tenant, tip).catch(() => undefined);
    mine.set(tenant, tip.seq);
  }
  return out;
}, 64));

/**
 * Appends one entry. Appends of one process to one tenant are written in order, a batch at a
 * time, by one of their callers (group-queue.ts); each caller gets its own entry or error.
 */
export async function appendAudit(store: BlobStore, tenant: string, input: AuditInput, now: Date): Promise<AuditEntry> {
  const w = await writers(store, tenant).submit({ input, now });
  if ('error' in w) throw w.error;
  return w.entry;
}

async function appendOne(store: BlobStore, tenant: string, known: Tip | null, p: Pending): Promise<AuditEntry> {
  let tip = known ?? (await readHint(store, tenant)).tip ?? (await search(store, tenant));
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    tip = await walk(store, tenant, tip);
    const body: Omit<AuditEntry, 'hash'> = {
      seq: tip.seq + 1,
      at: p.now.toISOString(),
      actor: p.input.actor,
      action: p.input.action,
      target: p.input.target,
      details: p.input.details,
      prev: tip.hash,
    };
    const entry: AuditEntry = { ...body, hash: await entryHash(body) };
    try {
      await writeJson(store, auditKey(tenant, entry.seq), entry, { ifNoneMatch: '*' });
      return entry;
    } catch (err) {
      if (!isStorageError(err, PreconditionFailedError.CODE)) throw err;
      // Another process took this seq: back off (full jitter), then build on theirs.
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

/** Entries in seq order, read by seq from `after + 1` until one is missing (no listing). */
export async function readAudit(store: BlobStore, tenant: string, page: AuditPage = {}): Promise<AuditEntry[]> {
  const after = page.after ?? 0;
  const limit = page.limit ?? Number.POSITIVE_INFINITY;
  const out: AuditEntry[] = [];
  const window = 16;
  while (out.length < limit) {
    const n = Math.min(window, limit - out.length);
    const start = after + out.length + 1;
    const got = await Promise.all(Array.from({ length: n }, (_, i) => entryAt(store, tenant, start + i)));
    for (const e of got) {
      if (!e) return out;
      out.push(e);
    }
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
