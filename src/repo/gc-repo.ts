/**
 * GC of one repo (docs/service.md, GC, steps 1-4). Lists whole only the small prefixes
 * (`generations/`, `repodata/`); the large ones (index objects, chunk entries, fragments) are
 * swept a bounded slice per pass, and removed packages are found through the change log, so a
 * pass costs what changed since the last one, not what the repo holds.
 */
import type { BlobStore, ListItem } from '../storage/blob-store.js';
import { listAll } from '../storage/blob-store.js';
import {
  changeKey, gcStateKey, generationsPrefix, indexObjectsPrefix, repoChunksPrefix, repodataPrefix, repoFragmentKey,
  repoFragmentsPrefix,
} from '../storage/keys.js';
import { readChangeRecord } from './change-log.js';
import { inRepo, markRepo, type RepoMarks } from './gc-marks.js';
import { PER_REVISION, readState, sweepSlice, SWEEP_BASE, writeState, type RepoGcState } from './gc-sweep.js';
import { readCurrent, readGenerationAt, type GenerationRecord } from './generations.js';
import { readHead } from './index-store.js';
import { fragmentLocation } from './package-fragments.js';
import { frozenGenerations } from './snapshots.js';
import { readRepoFiles } from './repo-files.js';

export interface Cutoffs {
  now: number;
  retention: number;
  grace: number;
  changeLog: number;
}

export interface RepoGcReport {
  generations: number;
  repodataFiles: number;
  fragments: number;
  chunks: number;
  indexObjects: number;
}

const GENERATION = /\/(\d{12})\.json$/;
const GENERATION_PACKAGES = /\/(\d{12})\.packages\.json$/;
const CHUNK = /\/([0-9a-f]{64})\.[a-z]+$/;
const OBJECT = /\/([0-9a-f]{64})\.json$/;

const older = (item: ListItem, cutoff: number): boolean => item.lastModified.getTime() < cutoff;

/**
 * Collects one repo; returns what it deleted and the package sha256s whose fragments went (their
 * blobs are candidates for the tenant's blob pass).
 */
export async function collectRepo(
  store: BlobStore, tenant: string, repo: string, cut: Cutoffs, del: (key: string) => Promise<void>,
): Promise<{ report: RepoGcReport; candidates: string[]; marks: RepoMarks }> {
  const report: RepoGcReport = { generations: 0, repodataFiles: 0, fragments: 0, chunks: 0, indexObjects: 0 };
  const candidates: string[] = [];
  const stateKey = gcStateKey(tenant, repo);
  const state = await readState<RepoGcState>(store, stateKey, { revision: 0, changes: 0, pruned: 0, cursors: {} });
  const { head } = await readHead(store, tenant, repo);
  const current = (await readCurrent(store, tenant, repo))?.value.revision ?? -1;

  // 1. Generations, newest first: each one's "superseded at" is the write time of the newest
  // generation at or below current that followed it.
  const gens: { revision: number; item: ListItem }[] = [];
  const legacyLists = new Map<number, ListItem>();
  for await (const item of listAll(store, generationsPrefix(tenant, repo))) {
    let m: RegExpExecArray | null;
    if ((m = GENERATION_PACKAGES.exec(item.key))) legacyLists.set(Number(m[1]), item);
    else if ((m = GENERATION.exec(item.key))) gens.push({ revision: Number(m[1]), item });
  }
  gens.sort((a, b) => b.revision - a.revision);
  const kept: GenerationRecord[] = [];
  let supersededAt: number | null = null;
  for (const g of gens) {
    const written = g.item.lastModified.getTime();
    let keep: boolean;
    if (g.revision > current) keep = !older(g.item, cut.grace); // in flight, or abandoned long ago
    else if (g.revision === current) keep = true;
    else keep = supersededAt === null || supersededAt >= cut.retention;
    if (g.revision <= current) supersededAt = written;
    if (keep) {
      const rec = await readGenerationAt(store, g.item.key);
      if (rec) kept.push(rec);
      continue;
    }
    await del(g.item.key);
    const legacy = legacyLists.get(g.revision);
    if (legacy) await del(legacy.key);
    report.generations++;
  }
  // former package lists whose record is gone (crash between the two writes)
  for (const [rev, item] of legacyLists) {
    if (!gens.some((g) => g.revision === rev) && older(item, cut.grace)) await del(item.key);
  }

  // 2. What the head, the kept generations and the snapshots reach (a snapshot is a generation
  // kept until it is deleted; it does not hold back step 4, whose removals check `inRepo`).
  const marks = await markRepo(store, tenant, repo, head, [...kept, ...(await frozenGenerations(store, tenant, repo))]);
  // the current updateinfo/comps/modules files, even before a generation lists them
  for (const f of await readRepoFiles(store, tenant, repo)) marks.files.add(f.name);
  for await (const item of listAll(store, repodataPrefix(tenant, repo))) {
    const file = item.key.slice(repodataPrefix(tenant, repo).length);
    if (marks.files.has(file) || !older(item, cut.grace)) continue;
    await del(item.key);
    report.repodataFiles++;
  }

  // 3. Bounded sweeps of the large prefixes.
  const budget = SWEEP_BASE + PER_REVISION * Math.max(0, head.revision - state.revision);
  const sweep = async (prefix: string, name: string, pattern: RegExp, live: (id: string) => boolean): Promise<number> => {
    let n = 0;
    for (const item of await sweepSlice(store, prefix, state.cursors, name, budget)) {
      const id = pattern.exec(item.key)?.[1];
      if (id === undefined || live(id) || !older(item, cut.grace)) continue;
      await del(item.key);
      n++;
    }
    return n;
  };
  report.indexObjects += await sweep(indexObjectsPrefix(tenant, repo, 'segments'), 'segments', OBJECT, (id) => marks.segments.has(id));
  report.indexObjects += await sweep(indexObjectsPrefix(tenant, repo, 'lists'), 'lists', OBJECT, (id) => marks.lists.has(id));
  report.indexObjects += await sweep(indexObjectsPrefix(tenant, repo, 'changes'), 'changes', OBJECT, (id) => id === marks.changeBlob);
  report.chunks += await sweep(repoChunksPrefix(tenant, repo), 'chunks', CHUNK, (id) => marks.chunks.has(id));

  const dropFragment = async (sha256: string): Promise<void> => {
    if (await store.delete(repoFragmentKey(tenant, repo, sha256))) report.fragments++;
    candidates.push(sha256);
  };
  for (const item of await sweepSlice(store, repoFragmentsPrefix(tenant, repo), state.cursors, 'fragments', budget)) {
    const sha = OBJECT.exec(item.key)?.[1];
    if (sha === undefined || !older(item, cut.grace)) continue;
    const location = await fragmentLocation(store, tenant, repo, sha);
    if (location !== null && (await inRepo(store, tenant, repo, marks, sha, location))) continue;
    await dropFragment(sha);
  }

  // 4. Removed packages, from the change log, once no generation older than their removal is
  // kept (until then one may still list them); then the log's own retention.
  const oldestKept = kept.reduce((m, r) => Math.min(m, r.revision), current < 0 ? 0 : current);
  const through = Math.min(head.revision, oldestKept, state.changes + budget);
  let r = state.changes + 1;
  for (; r <= through; r++) {
    const rec = await readChangeRecord(store, tenant, repo, r);
    if (rec && rec.at * 1000 >= cut.grace) break;
    for (const p of rec?.removed ?? []) {
      if (!(await inRepo(store, tenant, repo, marks, p.sha256, p.location))) await dropFragment(p.sha256);
    }
  }
  state.changes = r - 1;
  let p = state.pruned + 1;
  for (; p < Math.min(head.revision, state.pruned + 1 + budget); p++) {
    const key = changeKey(tenant, repo, p);
    const info = await store.head(key);
    if (info && !older({ key, lastModified: info.lastModified }, cut.changeLog)) break;
    if (info) await del(key);
  }
  state.pruned = p - 1;
  state.revision = head.revision;
  await writeState(store, stateKey, state);
  return { report, candidates, marks };
}
