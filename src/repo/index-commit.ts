/**
 * Committing changes to a repo index (docs/service.md, Index): operations are applied to the
 * segments they fall in (index-editor.ts), the changed segments and the new list are written
 * create-only, and the head moves by compare-and-swap — If-Match on the ETag read, create-only
 * when there is none — so concurrent writers on any number of instances never lose each other's
 * changes: a loser re-reads and re-applies its whole batch. Retries are bounded and jittered.
 *
 * Group commit: in one process, the operations submitted for one repo while a commit is running
 * wait for it and then go in together, as one batch — one revision, one change record, one head
 * write — instead of queueing behind one CAS each.
 */
import type { BlobStore } from '../storage/blob-store.js';
import { isStorageError } from '../storage/errors.js';
import { indexKey } from '../storage/keys.js';
import { addedOf, logChange, type ChangeRecord } from './change-log.js';
import { IndexEditor } from './index-editor.js';
import type { AddOutcome, EntryKey, IndexEntry } from './index-entry.js';
import { BerthError } from '../core/errors.js';
import { migrateLegacy } from './index-migrate.js';
import { GroupQueue, queuesPer } from './group-queue.js';
import {
  emptyHead, encodeChange, encodeHead, INLINE_CHANGE_MAX, lastChangeOf, readList, readSegment, readStoredHead,
  writeObject, type EncodedObject, type IndexHead,
} from './index-objects.js';

export type IndexOp =
  | { kind: 'add'; entry: IndexEntry }
  | { kind: 'remove'; sha256: string; key: EntryKey };

export type OpOutcome = AddOutcome | { kind: 'removed'; entry: IndexEntry } | { kind: 'absent' };

export interface CasOptions {
  /** Attempts before giving up (default 64: enough for dozens of simultaneous writers). */
  maxAttempts?: number;
  /** First back-off ceiling in ms (default 4), doubled per attempt up to `maxDelayMs` (default 250). */
  baseDelayMs?: number;
  maxDelayMs?: number;
}

export interface CommitResult {
  outcomes: OpOutcome[];
  /** The head's revision after the commit (unchanged when nothing changed). */
  revision: number;
  changed: boolean;
  head: IndexHead;
}

/** Operations in one batch at most (a batch's change record is inline up to 64). */
export const MAX_BATCH = 512;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** The head kept changing under a writer: 503 `busy` with Retry-After (src/http/errors.ts). */
export class IndexContentionError extends BerthError {
  override name = 'IndexContentionError';
  static readonly CODE = 'index_contention';
  constructor(key: string, attempts: number) {
    super(IndexContentionError.CODE, `index ${key} kept changing: gave up after ${attempts} attempts`);
  }
}

export function contention(tenant: string, repo: string, attempts: number): IndexContentionError {
  return new IndexContentionError(indexKey(tenant, repo), attempts);
}

/** The current head (an index in the former layout is migrated first), with its ETag (null: none yet). */
export async function loadHead(store: BlobStore, tenant: string, repo: string): Promise<{ head: IndexHead; etag: string | null }> {
  for (let attempt = 0; attempt < 8; attempt++) {
    const stored = await readStoredHead(store, tenant, repo);
    if (stored.kind === 'none') return { head: emptyHead(), etag: null };
    if (stored.kind === 'head') return { head: stored.head, etag: stored.etag };
    const migrated = await migrateLegacy(store, tenant, repo, stored);
    if (migrated) return migrated;
  }
  throw contention(tenant, repo, 8);
}

/** Net effect of a batch (a package added then removed within it appears in neither list). */
function changeOf(outcomes: readonly OpOutcome[], revision: number, at: number): ChangeRecord {
  const added = new Map<string, IndexEntry>();
  const removed = new Map<string, IndexEntry>();
  for (const o of outcomes) {
    if (o.kind === 'added') {
      if (removed.has(o.entry.sha256)) removed.delete(o.entry.sha256);
      else added.set(o.entry.sha256, o.entry);
    } else if (o.kind === 'removed') {
      if (added.has(o.entry.sha256)) added.delete(o.entry.sha256);
      else removed.set(o.entry.sha256, o.entry);
    }
  }
  return {
    revision, at, added: [...added.values()].map(addedOf),
    removed: [...removed.values()].map((p) => ({ sha256: p.sha256, location: p.location })),
  };
}

/** Writes objects a few at a time (they are independent; the head that names them comes after). */
export async function writeObjects(store: BlobStore, tenant: string, repo: string, objects: readonly EncodedObject[]): Promise<void> {
  for (let i = 0; i < objects.length; i += 16) {
    await Promise.all(objects.slice(i, i + 16).map((o) => writeObject(store, tenant, repo, o)));
  }
}

/** CAS of the head; false when another writer moved it first. */
export async function swapHead(store: BlobStore, tenant: string, repo: string, next: IndexHead, etag: string | null): Promise<boolean> {
  try {
    await store.put(indexKey(tenant, repo), encodeHead(next), {
      contentType: 'application/json', ...(etag === null ? { ifNoneMatch: '*' as const } : { ifMatch: etag }),
    });
    return true;
  } catch (e) {
    if (!isStorageError(e, 'precondition_failed')) throw e;
    return false;
  }
}

/** The next head for a change: revision + 1, time never backwards, lastChange inline or by reference. */
export async function nextHead(
  store: BlobStore, tenant: string, repo: string, head: IndexHead, now: () => Date,
  changes: (revision: number, at: number) => ChangeRecord, count: number, list: string | null,
): Promise<{ next: IndexHead; record: ChangeRecord }> {
  const revision = head.revision + 1;
  // never backwards, even with a skewed clock on another instance
  const updatedAt = Math.max(head.updatedAt, Math.floor(now().getTime() / 1000));
  const record = changes(revision, updatedAt);
  const next: IndexHead = { revision, updatedAt, count, list, layout: head.layout };
  if (record.added.length + record.removed.length <= INLINE_CHANGE_MAX) next.lastChange = record;
  else {
    const blob = await encodeChange(record);
    await writeObject(store, tenant, repo, blob);
    next.lastChange = { ref: blob.id };
  }
  return { next, record };
}

export async function afterCommit(store: BlobStore, tenant: string, repo: string, previous: IndexHead, record: ChangeRecord): Promise<void> {
  await logChange(store, tenant, repo, () => lastChangeOf(store, tenant, repo, previous), record);
}

/** Applies `ops` in order in one commit (retrying the whole batch on a lost CAS). */
export async function commitOps(
  store: BlobStore, tenant: string, repo: string, now: () => Date, ops: readonly IndexOp[], opts: CasOptions = {},
): Promise<CommitResult> {
  const maxAttempts = opts.maxAttempts ?? 64;
  const base = opts.baseDelayMs ?? 4;
  const cap = opts.maxDelayMs ?? 250;
  for (let attempt = 1; attempt <= maxAttempts; attempt++) {
    const { head, etag } = await loadHead(store, tenant, repo);
    const editor = new IndexEditor(await readList(store, tenant, repo, head.list), head.layout, (id) => readSegment(store, tenant, repo, id));
    const outcomes: OpOutcome[] = [];
    for (const op of ops) {
      if (op.kind === 'add') outcomes.push(await editor.add(op.entry));
      else {
        const entry = await editor.remove(op.sha256, op.key);
        outcomes.push(entry ? { kind: 'removed', entry } : { kind: 'absent' });
      }
    }
    const edit = await editor.finish();
    if (!edit) return { outcomes, revision: head.revision, changed: false, head };
    await writeObjects(store, tenant, repo, edit.objects);
    const { next, record } = await nextHead(store, tenant, repo, head, now, (r, at) => changeOf(outcomes, r, at), editor.count, edit.listId);
    if (await swapHead(store, tenant, repo, next, etag)) {
      await afterCommit(store, tenant, repo, head, record);
      return { outcomes, revision: next.revision, changed: true, head: next };
    }
    // full jitter: a random wait up to an exponentially growing ceiling
    await sleep(Math.random() * Math.min(cap, base * 2 ** Math.min(attempt, 16)));
  }
  throw contention(tenant, repo, maxAttempts);
}

interface Submitted {
  op: IndexOp;
  now: () => Date;
  opts: CasOptions;
}

const committers = queuesPer<BlobStore, Submitted, { outcome: OpOutcome; revision: number }>((store, id) => {
  const slash = id.indexOf('/');
  const tenant = id.slice(0, slash);
  const repo = id.slice(slash + 1);
  return new GroupQueue(async (batch) => {
    const first = batch[0] as Submitted;
    const r = await commitOps(store, tenant, repo, first.now, batch.map((b) => b.op), first.opts);
    return r.outcomes.map((outcome) => ({ outcome, revision: r.revision }));
  }, MAX_BATCH);
});

/**
 * Submits one operation to this process's committer for the repo: it goes into the next batch,
 * and resolves with its own outcome and the batch's revision.
 */
export function submitOp(
  store: BlobStore, tenant: string, repo: string, now: () => Date, op: IndexOp, opts: CasOptions = {},
): Promise<{ outcome: OpOutcome; revision: number }> {
  return committers(store, `${tenant}/${repo}`).submit({ op, now, opts });
}
