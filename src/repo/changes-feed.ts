/**
 * `GET …/changes?since=S[&until=U]`: the net difference between index revisions S and U
 * (default: the current revision), folded from the change log. Net means a package added and
 * removed again inside the range appears in neither list, and one removed and re-added
 * appears in neither either (same bytes, same location).
 *
 * When the log cannot answer exactly — S older than the retained log, an entry missing, S
 * ahead of the index (a recreated repo), or too many revisions to fold — the answer is the
 * full package list at the current revision with `complete: false`: the client treats `added`
 * as the whole set and drops anything else it holds.
 */
import { BerthError } from '../core/errors.js';
import type { BlobStore } from '../storage/blob-store.js';
import { addedOf, readChangeRecord, type AddedPackage, type ChangeRecord, type RemovedPackage } from './change-log.js';
import { readIndex } from './index-store.js';
import { readRepoFiles } from './repo-files.js';

export interface ChangesFeed {
  from: number;
  to: number;
  added: AddedPackage[];
  removed: RemovedPackage[];
  /** Repomd types besides the package files changed in the range (updateinfo, group, group_gz, modules). */
  metadata: string[];
  complete: boolean;
}

/** Folding more revisions than this costs more than sending the full list. */
export const MAX_FOLD = 2000;
const READ_WINDOW = 16;

export class ChangesRangeError extends BerthError {
  override name = 'ChangesRangeError';
  static readonly CODE = 'invalid_range';
  constructor(detail: string) {
    super(ChangesRangeError.CODE, detail);
  }
}

const byLocation = <T extends { location: string; sha256: string }>(a: T, b: T): number =>
  a.location < b.location ? -1 : a.location > b.location ? 1 : a.sha256 < b.sha256 ? -1 : a.sha256 > b.sha256 ? 1 : 0;

async function readRange(store: BlobStore, tenant: string, repo: string, from: number, to: number, latest: ChangeRecord | undefined): Promise<ChangeRecord[] | null> {
  const revisions = Array.from({ length: to - from }, (_, i) => from + 1 + i);
  const out: (ChangeRecord | null)[] = new Array<ChangeRecord | null>(revisions.length).fill(null);
  let next = 0;
  let missing = false;
  const worker = async (): Promise<void> => {
    while (next < revisions.length && !missing) {
      const i = next++;
      const rev = revisions[i] as number;
      const rec = (await readChangeRecord(store, tenant, repo, rev)) ?? (latest?.revision === rev ? latest : null);
      if (!rec) missing = true;
      out[i] = rec;
    }
  };
  await Promise.all(Array.from({ length: Math.min(READ_WINDOW, revisions.length) }, worker));
  return missing || out.some((r) => r === null) ? null : (out as ChangeRecord[]);
}

type Net = Map<string, { kind: 'added'; entry: AddedPackage } | { kind: 'removed'; entry: RemovedPackage }>;

function fold(records: readonly ChangeRecord[]): { added: AddedPackage[]; removed: RemovedPackage[]; metadata: string[] } {
  const net: Net = new Map();
  const metadata = new Set<string>();
  for (const r of records) {
    for (const t of r.metadata ?? []) metadata.add(t);
    for (const p of r.removed) {
      if (net.get(p.sha256)?.kind === 'added') net.delete(p.sha256);
      else net.set(p.sha256, { kind: 'removed', entry: { sha256: p.sha256, location: p.location } });
    }
    for (const p of r.added) {
      if (net.get(p.sha256)?.kind === 'removed') net.delete(p.sha256);
      else net.set(p.sha256, { kind: 'added', entry: p });
    }
  }
  const added: AddedPackage[] = [];
  const removed: RemovedPackage[] = [];
  for (const v of net.values()) {
    if (v.kind === 'added') added.push(v.entry);
    else removed.push(v.entry);
  }
  return { added: added.sort(byLocation), removed: removed.sort(byLocation), metadata: [...metadata].sort() };
}

/** The full answer names every metadata type the repo carries (a client re-reads them all). */
export async function changesSince(store: BlobStore, tenant: string, repo: string, since: number, until?: number): Promise<ChangesFeed> {
  const { index, lastChange } = await readIndex(store, tenant, repo);
  const current = index.revision;
  if (until !== undefined && until > current) throw new ChangesRangeError(`until=${until} is ahead of the index (revision ${current})`);
  if (until !== undefined && until < since) throw new ChangesRangeError(`until=${until} is before since=${since}`);
  const full = (): ChangesFeed => ({
    from: since, to: current, added: index.packages.map(addedOf).sort(byLocation), removed: [], metadata: fullMetadata, complete: false,
  });
  const fullMetadata = [...new Set((await readRepoFiles(store, tenant, repo)).map((f) => f.type))].sort();
  const to = until ?? current;
  if (since > current || to - since > MAX_FOLD) return full();
  if (to === since) return { from: since, to, added: [], removed: [], metadata: [], complete: true };
  const records = await readRange(store, tenant, repo, since, to, lastChange);
  if (!records) return full();
  return { from: since, to, ...fold(records), complete: true };
}
