/**
 * The per-repo change log (docs/sync.md): `t/<t>/r/<r>/changes/<revision>.json` says what index
 * revision N added and removed. It feeds `GET …/changes?since=` so edge appliances learn what
 * changed without parsing primary.xml.
 *
 * Written by the index commit itself (index-commit.ts), so every writer of the index (publish,
 * delete, mirror, …) logs without knowing about it. The head CAS and the log write are two
 * writes; a crash in between would leave a gap. Two things close it: the head carries its own
 * `lastChange` (the record of its current revision, written atomically with it), and each
 * successful commit first makes sure the previous revision's record exists, from that `lastChange`. So the
 * log can only miss the current revision — which the feed reads from the index — unless a
 * repair write itself failed; the feed then answers `complete: false` and clients do a full
 * sync. A missing entry never produces a wrong answer, only a bigger one.
 */
import type { BlobStore } from '../storage/blob-store.js';
import { isStorageError } from '../storage/errors.js';
import { changeKey } from '../storage/keys.js';
import { nevraOf, type IndexEntry } from './index-entry.js';

export interface AddedPackage {
  sha256: string;
  location: string;
  size: number;
  nevra: string;
  /** Seconds (`<time file>`). */
  addedAt: number;
}

export interface RemovedPackage {
  sha256: string;
  location: string;
}

export interface ChangeRecord {
  revision: number;
  /** Seconds: the index's updatedAt for this revision. */
  at: number;
  added: AddedPackage[];
  removed: RemovedPackage[];
  /** Repomd types besides the package files that this revision changed (updateinfo, group, …). */
  metadata?: string[];
}

export function addedOf(e: IndexEntry): AddedPackage {
  return { sha256: e.sha256, location: e.location, size: e.size, nevra: nevraOf(e), addedAt: e.addedAt };
}

/** What turned `before` into `after` (packages are identified by sha256). */
export function diffPackages(before: readonly IndexEntry[], after: readonly IndexEntry[], revision: number, at: number): ChangeRecord {
  const old = new Set(before.map((p) => p.sha256));
  const now = new Set(after.map((p) => p.sha256));
  return {
    revision,
    at,
    added: after.filter((p) => !old.has(p.sha256)).map(addedOf),
    removed: before.filter((p) => !now.has(p.sha256)).map((p) => ({ sha256: p.sha256, location: p.location })),
  };
}

/** Loose shape check of a stored record (the log is ours, but a torn or foreign file must not crash the feed). */
export function isChangeRecord(v: unknown): v is ChangeRecord {
  const r = v as Partial<ChangeRecord> | null;
  return !!r && typeof r.revision === 'number' && typeof r.at === 'number' && Array.isArray(r.added) && Array.isArray(r.removed);
}

/** Create-only: a record that exists already was written from the same index revision. */
export async function writeChangeRecord(store: BlobStore, tenant: string, repo: string, record: ChangeRecord): Promise<void> {
  try {
    await store.put(changeKey(tenant, repo, record.revision), new TextEncoder().encode(JSON.stringify(record)), {
      ifNoneMatch: '*',
      contentType: 'application/json',
    });
  } catch (e) {
    if (!isStorageError(e, 'precondition_failed')) throw e;
  }
}

export async function readChangeRecord(store: BlobStore, tenant: string, repo: string, revision: number): Promise<ChangeRecord | null> {
  const obj = await store.get(changeKey(tenant, repo, revision));
  if (!obj) return null;
  try {
    const v = JSON.parse(await new Response(obj.body).text()) as unknown;
    return isChangeRecord(v) && v.revision === revision ? v : null;
  } catch {
    return null;
  }
}

/** The last revision whose record this process wrote, per store and repo (bounded). */
const written = new WeakMap<BlobStore, Map<string, number>>();
const WRITTEN_REPOS = 1024;

function lastWritten(store: BlobStore): Map<string, number> {
  let m = written.get(store);
  if (!m) written.set(store, (m = new Map()));
  return m;
}

/**
 * After a successful index write: repair the previous revision's record if a crash lost it,
 * then write this one. Best effort by design (see the module comment): failures leave a gap
 * the feed reports as `complete: false`, never a wrong list. The previous record is not looked
 * for when this process wrote it itself (records are never deleted while their repo lives).
 */
export async function logChange(
  store: BlobStore,
  tenant: string,
  repo: string,
  previous: () => Promise<ChangeRecord | undefined>,
  record: ChangeRecord,
): Promise<void> {
  const mine = lastWritten(store);
  const id = `${tenant}/${repo}`;
  try {
    if (record.revision > 1 && mine.get(id) !== record.revision - 1 && !(await store.head(changeKey(tenant, repo, record.revision - 1)))) {
      const prev = await previous();
      if (prev && prev.revision === record.revision - 1) await writeChangeRecord(store, tenant, repo, prev);
    }
    await writeChangeRecord(store, tenant, repo, record);
    mine.delete(id);
    if (mine.size >= WRITTEN_REPOS) mine.delete(mine.keys().next().value as string);
    mine.set(id, record.revision);
  } catch {
    // the index is authoritative; a gap only makes the feed answer `complete: false`
  }
}
