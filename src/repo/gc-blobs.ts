/**
 * GC of a tenant's package blobs (docs/service.md, GC): the candidates are the packages whose
 * fragments the repo passes removed, plus a bounded slice of `blobs/` from a cursor (blobs that
 * never made it into an index: a refused or crashed publish). A blob goes when no repo of the
 * tenant has a fragment for it (every package in a head or a kept generation has one) and no
 * complete mirror — whose packages have no fragments — lists it.
 */
import type { BlobStore } from '../storage/blob-store.js';
import { gcStateKey, packageBlobKey, packageBlobsPrefix, repoFragmentKey } from '../storage/keys.js';
import type { RepoMarks } from './gc-marks.js';
import { readState, sweepSlice, SWEEP_BASE, writeState, type TenantGcState } from './gc-sweep.js';
import { listEntries } from './index-store.js';
import { isCompleteMirror } from './mirror-config.js';

const BLOB = /\/([0-9a-f]{64})$/;

export interface MarkedRepo {
  name: string;
  marks: RepoMarks;
}

export async function collectBlobs(
  store: BlobStore, tenant: string, repos: readonly MarkedRepo[], candidates: readonly string[], graceCutoff: number,
  extraBudget: number, del: (key: string) => Promise<void>,
): Promise<number> {
  const stateKey = gcStateKey(tenant);
  const state = await readState<TenantGcState>(store, stateKey, { cursors: {} });
  const shas = new Set<string>();
  for (const item of await sweepSlice(store, packageBlobsPrefix(tenant), state.cursors, 'blobs', SWEEP_BASE + extraBudget)) {
    const sha = BLOB.exec(item.key)?.[1];
    if (sha && item.lastModified.getTime() < graceCutoff) shas.add(sha);
  }
  for (const sha of candidates) {
    const info = await store.head(packageBlobKey(tenant, sha));
    if (info && info.lastModified.getTime() < graceCutoff) shas.add(sha);
  }
  let mirrored: Set<string> | null = null;
  const inMirrors = async (sha: string): Promise<boolean> => {
    if (!mirrored) {
      mirrored = new Set();
      for (const r of repos) {
        if (!(await isCompleteMirror(store, tenant, r.name))) continue;
        for (const list of r.marks.lookups) for await (const e of listEntries(store, tenant, r.name, list)) mirrored.add(e.sha256);
      }
    }
    return mirrored.has(sha);
  };
  let deleted = 0;
  for (const sha of shas) {
    let live = false;
    for (const r of repos) {
      if (r.marks.legacy.has(sha) || (await store.head(repoFragmentKey(tenant, r.name, sha)))) {
        live = true;
        break;
      }
    }
    if (live || (await inMirrors(sha))) continue;
    await del(packageBlobKey(tenant, sha));
    deleted++;
  }
  await writeState(store, stateKey, state);
  return deleted;
}
