/**
 * Advisories of a repo (docs/advisories.md): `advisories.json` `{serial, advisories[]}` holds
 * them, changed only by compare-and-swap; every change rebuilds `updateinfo.xml.gz` from it
 * (stored once under its checksum name, repo-files.ts) and commits a metadata-only index
 * revision, so the next generation lists it in repomd.xml and the changes feed names it.
 *
 * Ids are unique per repo: the same advisory again is a no-op (200), a different one under a
 * taken id is refused (409 `advisory_exists`) unless it is sent as a replacement, which bumps its
 * `updated` date. Every package an advisory names must be in the repo (422 `unknown_package`)
 * unless the caller allows it.
 */
import { advisoryIdentity, dateSeconds, formatDate, nevraOfAdvisoryPackage, type Advisory, type AdvisoryPackage } from '../core/advisory/model.js';
import { updateinfoXml } from '../core/advisory/updateinfo-xml.js';
import type { Logger } from '../core/logger.js';
import type { Platform } from '../core/platform.js';
import type { BlobStore } from '../storage/blob-store.js';
import { isStorageError } from '../storage/errors.js';
import { readJson, writeJson } from '../storage/json-blob.js';
import { advisoriesKey } from '../storage/keys.js';
import { Refusal } from './errors.js';
import type { EventSink } from './events.js';
import { currentGeneration } from './generations.js';
import { loadHead } from './index-commit.js';
import { versionsOf } from './index-range.js';
import { commitMetadataChange } from './metadata-revision.js';
import { isCompleteMirror } from './mirror-config.js';
import { readRepoFilesState, setRepoFiles, storeRepoFile } from './repo-files.js';
import type { RepoTenancy } from './tenancy.js';

export interface AdvisoryDeps {
  store: BlobStore;
  platform: Platform;
  events: EventSink;
  clock: () => Date;
  logger: Logger;
}

interface AdvisoriesDoc {
  /** Incremented by every change: which build of updateinfo is the newest. */
  serial: number;
  advisories: Advisory[];
}

export type AdvisoryOutcome = 'created' | 'unchanged' | 'replaced' | 'deleted';

export interface AdvisoryChange {
  results: { id: string; outcome: AdvisoryOutcome }[];
  /** The index revision whose metadata carries the change (the current one when nothing changed). */
  revision: number;
}

/** At most this many advisories per repo: updateinfo.xml is rebuilt whole on every change. */
export const MAX_ADVISORIES = 20_000;
const AUDIT_IDS = 50;

export async function readAdvisories(store: BlobStore, tenant: string, repo: string): Promise<Advisory[]> {
  return (await readJson<AdvisoriesDoc>(store, advisoriesKey(tenant, repo)))?.value.advisories ?? [];
}

export async function readAdvisory(store: BlobStore, tenant: string, repo: string, id: string): Promise<Advisory | null> {
  return (await readAdvisories(store, tenant, repo)).find((a) => a.id === id) ?? null;
}

export const advisoryMissing = (tenant: string, repo: string, id: string): Refusal =>
  new Refusal('not_found', 'advisory_not_found', `no advisory ${JSON.stringify(id.slice(0, 100))} in ${tenant}/${repo}`);

function mirrorRepo(tenant: string, repo: string): Refusal {
  return new Refusal('conflict', 'mirror_repo', `${tenant}/${repo} is a complete mirror: it serves its upstream's own metadata, advisories included`);
}

/** The packages named that the repo does not hold (same name, epoch, version, release and arch). */
export async function unknownPackages(store: BlobStore, tenant: string, repo: string, advisories: readonly Advisory[]): Promise<string[]> {
  const { head } = await loadHead(store, tenant, repo);
  const byName = new Map<string, Set<string>>();
  const missing = new Set<string>();
  const key = (p: Pick<AdvisoryPackage, 'epoch' | 'version' | 'release' | 'arch'>): string => `${Number(p.epoch) || 0}:${p.version}-${p.release}.${p.arch}`;
  for (const a of advisories) {
    for (const p of a.packages) {
      let held = byName.get(p.name);
      if (!held) {
        held = new Set((await versionsOf(store, tenant, repo, head.list, p.name)).map((e) => key({ ...e, epoch: String(e.epoch) })));
        byName.set(p.name, held);
      }
      if (!held.has(key(p))) missing.add(nevraOfAdvisoryPackage(p));
    }
  }
  return [...missing].sort();
}

export interface PutAdvisories {
  tenant: string;
  repo: string;
  advisories: Advisory[];
  /** Replace advisories whose id is taken by a different one (their `updated` is bumped). */
  replace: boolean;
  /** Accept packages the repo does not hold. */
  allowUnknownPackages: boolean;
  actor: string;
}

export async function putAdvisories(deps: AdvisoryDeps, tenancy: Pick<RepoTenancy, 'appendAudit'>, req: PutAdvisories): Promise<AdvisoryChange> {
  const { store } = deps;
  const { tenant, repo } = req;
  if (await isCompleteMirror(store, tenant, repo)) throw mirrorRepo(tenant, repo);
  const ids = new Set<string>();
  for (const a of req.advisories) {
    if (ids.has(a.id)) throw new Refusal('invalid', 'duplicate_advisory', `advisory ${a.id} appears twice in the upload`);
    ids.add(a.id);
  }
  if (!req.allowUnknownPackages) {
    const missing = await unknownPackages(store, tenant, repo, req.advisories);
    if (missing.length > 0) {
      throw new Refusal('unprocessable', 'unknown_package',
        `${missing.length} package(s) named by the advisories are not in ${tenant}/${repo}: ${missing.slice(0, 10).join(', ')}${missing.length > 10 ? ', …' : ''} (publish them first, or allow unknown packages)`,
        { packages: missing.slice(0, 100) });
    }
  }
  return change(deps, tenancy, tenant, repo, req.actor, 'advisory.add', (doc, now) => {
    const byId = new Map(doc.advisories.map((a) => [a.id, a]));
    const results: AdvisoryChange['results'] = [];
    for (const a of req.advisories) {
      const old = byId.get(a.id);
      if (!old) {
        byId.set(a.id, a);
        results.push({ id: a.id, outcome: 'created' });
      } else if (advisoryIdentity(old) === advisoryIdentity(a)) {
        results.push({ id: a.id, outcome: 'unchanged' });
      } else if (!req.replace) {
        throw new Refusal('conflict', 'advisory_exists', `${tenant}/${repo} has a different advisory ${a.id} (send it as a replacement to update it)`, { id: a.id });
      } else {
        // an update always moves `updated` forward, past both the old one and the upload's
        const floor = Math.max(dateSeconds(old.updated ?? old.issued), a.updated !== undefined ? dateSeconds(a.updated) : 0) + 1;
        byId.set(a.id, { ...a, updated: formatDate(new Date(Math.max(now.getTime(), floor * 1000))) });
        results.push({ id: a.id, outcome: 'replaced' });
      }
    }
    if (byId.size > MAX_ADVISORIES) throw new Refusal('unprocessable', 'too_many_advisories', `a repo holds at most ${MAX_ADVISORIES} advisories`);
    return { advisories: [...byId.values()], results };
  });
}

const packageKeyOf = (p: AdvisoryPackage): string => `${p.name}\0${Number(p.epoch) || 0}\0${p.version}\0${p.release}\0${p.arch}`;

/**
 * Advisories carried in from another repo (a promotion): one the repo lacks is added as given;
 * one it has under the same id keeps its own fields and gains the packages it did not name yet
 * (its `updated` moves forward, as a replacement's does); otherwise it is `unchanged`. The caller
 * passes only packages this repo holds.
 */
export async function mergeAdvisories(
  deps: AdvisoryDeps, tenancy: Pick<RepoTenancy, 'appendAudit'>, tenant: string, repo: string, incoming: readonly Advisory[], actor: string,
): Promise<AdvisoryChange> {
  return change(deps, tenancy, tenant, repo, actor, 'advisory.merge', (doc, now) => {
    const byId = new Map(doc.advisories.map((a) => [a.id, a]));
    const results: AdvisoryChange['results'] = [];
    for (const a of incoming) {
      const old = byId.get(a.id);
      if (!old) {
        byId.set(a.id, a);
        results.push({ id: a.id, outcome: 'created' });
        continue;
      }
      const named = new Set(old.packages.map(packageKeyOf));
      const more = a.packages.filter((p) => !named.has(packageKeyOf(p)));
      if (more.length === 0) {
        results.push({ id: a.id, outcome: 'unchanged' });
        continue;
      }
      const floor = dateSeconds(old.updated ?? old.issued) + 1;
      byId.set(a.id, { ...old, packages: [...old.packages, ...more], updated: formatDate(new Date(Math.max(now.getTime(), floor * 1000))) });
      results.push({ id: a.id, outcome: 'replaced' });
    }
    if (byId.size > MAX_ADVISORIES) throw new Refusal('unprocessable', 'too_many_advisories', `a repo holds at most ${MAX_ADVISORIES} advisories`);
    return { advisories: [...byId.values()], results };
  });
}

/**
 * A filtered mirror's advisories (docs/mirror.md): upstream's, pruned to the packages kept, replace
 * the ones the previous run carried (`owned`); those upstream no longer has, or that name no kept
 * package, are removed. Advisories uploaded by hand under other ids stay.
 */
export async function syncMirrorAdvisories(
  deps: AdvisoryDeps, tenancy: Pick<RepoTenancy, 'appendAudit'>, tenant: string, repo: string, incoming: readonly Advisory[], owned: readonly string[], actor: string,
): Promise<AdvisoryChange> {
  return change(deps, tenancy, tenant, repo, actor, 'advisory.mirror', (doc) => {
    const byId = new Map(doc.advisories.map((a) => [a.id, a]));
    const results: AdvisoryChange['results'] = [];
    const now = new Set(incoming.map((a) => a.id));
    for (const id of owned) {
      if (!now.has(id) && byId.delete(id)) results.push({ id, outcome: 'deleted' });
    }
    for (const a of incoming) {
      const old = byId.get(a.id);
      byId.set(a.id, a);
      results.push({ id: a.id, outcome: !old ? 'created' : advisoryIdentity(old) === advisoryIdentity(a) && old.updated === a.updated ? 'unchanged' : 'replaced' });
    }
    if (byId.size > MAX_ADVISORIES) throw new Refusal('unprocessable', 'too_many_advisories', `a repo holds at most ${MAX_ADVISORIES} advisories`);
    return { advisories: [...byId.values()], results };
  });
}

export async function deleteAdvisory(deps: AdvisoryDeps, tenancy: Pick<RepoTenancy, 'appendAudit'>, tenant: string, repo: string, id: string, actor: string): Promise<{ advisory: Advisory; revision: number }> {
  let removed: Advisory | undefined;
  const r = await change(deps, tenancy, tenant, repo, actor, 'advisory.delete', (doc) => {
    removed = doc.advisories.find((a) => a.id === id);
    if (!removed) throw advisoryMissing(tenant, repo, id);
    return { advisories: doc.advisories.filter((a) => a.id !== id), results: [{ id, outcome: 'deleted' }] };
  });
  return { advisory: removed as Advisory, revision: r.revision };
}

type Edit = (doc: AdvisoriesDoc, now: Date) => { advisories: Advisory[]; results: AdvisoryChange['results'] };

async function change(
  deps: AdvisoryDeps, tenancy: Pick<RepoTenancy, 'appendAudit'>, tenant: string, repo: string, actor: string, action: string, edit: Edit,
): Promise<AdvisoryChange> {
  const { store } = deps;
  const key = advisoriesKey(tenant, repo);
  for (let attempt = 0; attempt < 32; attempt++) {
    const got = await readJson<AdvisoriesDoc>(store, key);
    const doc = got?.value ?? { serial: 0, advisories: [] };
    const { advisories, results } = edit(doc, deps.clock());
    const changed = results.some((r) => r.outcome !== 'unchanged');
    if (!changed) {
      // the same upload again: make sure what an earlier attempt stored is also published
      return { results, revision: await ensurePublished(deps, tenant, repo, doc) };
    }
    const next: AdvisoriesDoc = { serial: doc.serial + 1, advisories };
    try {
      await writeJson(store, key, next, got ? { ifMatch: got.etag } : { ifNoneMatch: '*' });
    } catch (e) {
      if (isStorageError(e, 'precondition_failed')) continue;
      throw e;
    }
    const revision = await publish(deps, tenant, repo, next);
    const touched = results.filter((r) => r.outcome !== 'unchanged');
    await tenancy.appendAudit(store, tenant, {
      actor, action, target: repo,
      details: { count: touched.length, advisories: touched.slice(0, AUDIT_IDS).map((r) => ({ id: r.id, outcome: r.outcome })), revision },
    }, deps.clock());
    return { results, revision };
  }
  throw new Refusal('busy', 'busy', `the advisories of ${tenant}/${repo} kept changing; try again`, {}, 1);
}

/** updateinfo.xml.gz of `doc`, made current, then a metadata revision and an event. */
async function publish(deps: AdvisoryDeps, tenant: string, repo: string, doc: AdvisoriesDoc): Promise<number> {
  const files = doc.advisories.length === 0 ? [] : [
    await storeRepoFile(deps, tenant, repo, 'updateinfo', 'updateinfo.xml', new TextEncoder().encode(updateinfoXml(doc.advisories)), true, deps.clock()),
  ];
  await setRepoFiles(deps.store, tenant, repo, 'updateinfo', files, doc.serial);
  return commitAndNotify(deps, tenant, repo, ['updateinfo']);
}

/** A metadata-only index revision naming `types`, and the event that regenerates the repo. */
export async function commitAndNotify(deps: AdvisoryDeps, tenant: string, repo: string, types: readonly string[]): Promise<number> {
  const revision = await commitMetadataChange(deps.store, tenant, repo, deps.clock, types);
  try {
    await deps.events.send({ tenant, repo, revision });
  } catch (e) {
    deps.logger.error('repo change event failed', { tenant, repo, revision, error: String(e) });
  }
  return revision;
}

/**
 * After a crash between storing the advisories and committing their revision, the same upload
 * again finishes the job: updateinfo is rebuilt when it lags the advisories, and a revision is
 * committed when the served generation is current but does not list it.
 */
async function ensurePublished(deps: AdvisoryDeps, tenant: string, repo: string, doc: AdvisoriesDoc): Promise<number> {
  const { store } = deps;
  if (doc.serial === 0) return (await loadHead(store, tenant, repo)).head.revision;
  const state = await readRepoFilesState(store, tenant, repo);
  if ((state.serials.updateinfo ?? 0) < doc.serial) return publish(deps, tenant, repo, doc);
  const { head } = await loadHead(store, tenant, repo);
  const generation = (await currentGeneration(store, tenant, repo))?.record;
  // a generation for the head is still to be built (and will read repo-files.json)
  if (!generation || generation.revision < head.revision) return head.revision;
  const want = state.files.find((f) => f.type === 'updateinfo')?.name;
  if (want === undefined || generation.files.includes(want)) return head.revision;
  return commitAndNotify(deps, tenant, repo, ['updateinfo']);
}
