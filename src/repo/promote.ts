/**
 * Promotion (docs/service.md, Promotion): packages of one repo copied — or moved — into another
 * repo of the same tenant without uploading them again. Package blobs are per tenant, so a copy
 * is a fragment and an index entry in the target; the target's trust policy applies as to an
 * upload (each package is verified against the target's keys: 422 `untrusted_key`, `unsigned`,
 * …), and nothing changes unless every package passes. With `dependencies`, what the selected
 * packages require from the source comes too (core/dependency-closure.ts). A promoted package's
 * `<time file>` is the time it entered the target (as retention and `--snapshottime` expect).
 * A move removes the selected packages (not their dependencies) from the source afterwards. The
 * source's advisories naming a promoted package are merged into the target (promote-advisories.ts).
 */
import { dependencyClosure } from '../core/dependency-closure.js';
import type { PackageDeps } from '../core/repodata/read/package-deps.js';
import { packageBlobKey, repoFragmentKey } from '../storage/keys.js';
import { isRefusal, notFound, Refusal } from './errors.js';
import { commitOps, loadHead, MAX_BATCH, type IndexOp } from './index-commit.js';
import { nevraOf, type IndexEntry } from './index-entry.js';
import { lookupEntry } from './index-store.js';
import { examine, prepare, type Examined } from './ingest.js';
import { isCompleteMirror } from './mirror-config.js';
import { writeFragmentFile } from './package-fragments.js';
import { advisoriesToCarry, carryAdvisories, type CarriedAdvisory } from './promote-advisories.js';
import { dependencyPool, depsOfRpm, PROMOTE_MAX, selectEntries, type Selection } from './promote-select.js';
import type { PublishDeps } from './publish.js';
import { retainAfter } from './retention.js';
import type { RepoTenancy } from './tenancy.js';

export interface PromoteRequest extends Selection {
  tenant: string;
  from: string;
  to: string;
  move: boolean;
  dependencies: boolean;
  dryRun: boolean;
  actor: string;
}

export interface PromotedPackage {
  sha256: string;
  nevra: string;
  name: string;
  arch: string;
  location: string;
  /** `added` to the target, already `present` there, or `planned` (a dry run). */
  status: 'added' | 'present' | 'planned';
  /** Taken because a selected package requires it. */
  dependency: boolean;
  /** `<time file>` in the target (seconds): when it entered the target. */
  addedAt: number;
}

export interface PromoteResult {
  from: string;
  to: string;
  move: boolean;
  dryRun: boolean;
  packages: PromotedPackage[];
  /** Requirements of the promoted packages nothing in the source provides (with `dependencies`). */
  unresolved: string[];
  /** The target's index revision after the promotion. */
  revision: number;
  /** The source's index revision after a move removed the selected packages (null: not a move). */
  sourceRevision: number | null;
  /** The source's advisories naming a promoted package, merged into the target (promote-advisories.ts). */
  advisories: CarriedAdvisory[];
}

/** Most package names an audit entry lists (the count is always there). */
const AUDIT_LIST_MAX = 1000;

const mirrorRepo = (tenant: string, repo: string): Refusal =>
  new Refusal('conflict', 'mirror_repo', `${tenant}/${repo} is a complete mirror of an upstream repository: its packages change only by mirroring`);

interface Candidate {
  entry: IndexEntry;
  dependency: boolean;
  examined: Examined;
}

async function notify(deps: PublishDeps, tenant: string, repo: string, revision: number): Promise<void> {
  try {
    await deps.events.send({ tenant, repo, revision });
  } catch (e) {
    deps.logger.error('repo change event failed', { tenant, repo, revision, error: String(e) });
  }
}

/** Verifies each package against the target's keys; the first refusal names the package. */
async function verifyAll(deps: PublishDeps, tenancy: RepoTenancy, req: PromoteRequest, allowUnsigned: boolean, entries: readonly IndexEntry[], dependency: boolean): Promise<Candidate[]> {
  const keyring = await tenancy.trustedKeyring(deps.store, req.tenant, req.to);
  const out: Candidate[] = [];
  for (const entry of entries) {
    try {
      const examined = await examine(deps, { key: packageBlobKey(req.tenant, entry.sha256), sha256: entry.sha256 }, {
        keyring, requireSignature: !allowUnsigned, now: deps.clock(),
      });
      out.push({ entry, dependency, examined });
    } catch (e) {
      if (!isRefusal(e)) throw e;
      throw new Refusal(e.kind, e.code, `${nevraOf(entry)} cannot enter ${req.tenant}/${req.to}: ${e.message}`, { ...e.details, sha256: entry.sha256, nevra: nevraOf(entry) });
    }
  }
  return out;
}

/** The closure's packages, as entries of the source index (a stale metadata line that is gone is skipped). */
async function closureOf(deps: PublishDeps, req: PromoteRequest, chosen: readonly Candidate[], list: string | null): Promise<{ entries: IndexEntry[]; unresolved: string[] }> {
  const pool = await dependencyPool(deps.store, deps.platform, req.tenant, req.from);
  const byId = new Map(pool.map((p) => [p.checksum, p]));
  const roots: PackageDeps[] = chosen.map((c) => byId.get(c.entry.sha256) ?? depsOfRpm(c.examined.result.pkg, c.entry.sha256));
  const { added, unresolved } = dependencyClosure(roots, pool);
  const entries: IndexEntry[] = [];
  const taken = new Set(chosen.map((c) => c.entry.sha256));
  for (const p of added) {
    if (taken.has(p.checksum)) continue;
    const found = (await selectEntries(deps.store, deps.platform, req.tenant, req.from, list, { nevra: [], names: [], sha256: [p.checksum] }).catch(() => []))[0];
    if (found) entries.push(found);
    if (taken.size + entries.length > PROMOTE_MAX) throw new Refusal('invalid', 'too_many_packages', `a promotion takes at most ${PROMOTE_MAX} packages (with dependencies): select fewer`);
  }
  return { entries, unresolved };
}

const view = (c: Candidate, status: PromotedPackage['status'], addedAt: number): PromotedPackage => ({
  sha256: c.entry.sha256, nevra: nevraOf(c.entry), name: c.entry.name, arch: c.entry.arch, location: c.entry.location, status, dependency: c.dependency, addedAt,
});

export async function promotePackages(deps: PublishDeps, tenancy: RepoTenancy, req: PromoteRequest): Promise<PromoteResult> {
  const { store } = deps;
  const { tenant, from, to } = req;
  if (from === to) throw new Refusal('invalid', 'invalid_request', 'source and target are the same repository');
  if (!(await tenancy.getRepo(store, tenant, from))) throw notFound(tenant, from);
  const target = await tenancy.getRepo(store, tenant, to);
  if (!target) throw notFound(tenant, to);
  if (await isCompleteMirror(store, tenant, to)) throw mirrorRepo(tenant, to);
  if (req.move && (await isCompleteMirror(store, tenant, from))) throw mirrorRepo(tenant, from);
  if (req.nevra.length + req.names.length + req.sha256.length === 0) throw new Refusal('invalid', 'invalid_request', 'select packages: nevra, names or sha256');

  const { head } = await loadHead(store, tenant, from);
  const selected = await verifyAll(deps, tenancy, req, target.allowUnsigned, await selectEntries(store, deps.platform, tenant, from, head.list, req), false);
  let unresolved: string[] = [];
  let all = selected;
  if (req.dependencies) {
    const closure = await closureOf(deps, req, selected, head.list);
    unresolved = closure.unresolved;
    all = [...selected, ...(await verifyAll(deps, tenancy, req, target.allowUnsigned, closure.entries, true))];
  }

  // What the target has already, and what would collide there (refused before anything is written).
  const fresh: Candidate[] = [];
  const present = new Map<string, IndexEntry>();
  for (const c of all) {
    const there = (await lookupEntry(store, tenant, to, { filename: c.entry.filename, location: c.entry.location })).entry;
    if (there?.sha256 === c.entry.sha256) present.set(c.entry.sha256, there);
    else if (there) {
      throw new Refusal('conflict', 'nevra_conflict', `${tenant}/${to} already has ${nevraOf(there)} at ${there.location} with other content (sha256 ${there.sha256})`, { existing: there.sha256, sha256: c.entry.sha256 });
    } else fresh.push(c);
  }
  const now = Math.floor(deps.clock().getTime() / 1000);
  const targetRevision = (await loadHead(store, tenant, to)).head.revision;
  if (req.dryRun) {
    const packages = all.map((c) => view(c, present.has(c.entry.sha256) ? 'present' : 'planned', present.get(c.entry.sha256)?.addedAt ?? now));
    const advisories = (await advisoriesToCarry(deps, tenant, from, to, all.map((c) => c.entry), true)).map((a): CarriedAdvisory => ({ id: a.id, outcome: 'planned' }));
    return { from, to, move: req.move, dryRun: true, packages, unresolved, revision: targetRevision, sourceRevision: req.move ? head.revision : null, advisories };
  }

  // Fragments first (they name the package's time in the target), then one index commit per batch.
  const added = new Map<string, IndexEntry>();
  let revision = targetRevision;
  const wroteFragment = new Set<string>();
  for (let i = 0; i < fresh.length; i += MAX_BATCH) {
    const batch = fresh.slice(i, i + MAX_BATCH);
    const ops: IndexOp[] = [];
    for (const c of batch) {
      const prepared = prepare(c.examined, { sha256: c.entry.sha256, size: c.entry.size }, {
        addedAt: now, placement: { filename: c.entry.filename, location: c.entry.location }, fragment: true,
      });
      if (!(await store.head(repoFragmentKey(tenant, to, c.entry.sha256)))) wroteFragment.add(c.entry.sha256);
      if (prepared.fragment) await writeFragmentFile(store, tenant, to, prepared.fragment);
      ops.push({ kind: 'add', entry: prepared.entry });
    }
    const result = await commitOps(store, tenant, to, deps.clock, ops);
    revision = result.revision;
    result.outcomes.forEach((o, k) => {
      const sha = (batch[k] as Candidate).entry.sha256;
      if (o.kind === 'added') added.set(sha, o.entry);
      else if (o.kind === 'exists') present.set(sha, o.entry);
    });
    const lost = result.outcomes.findIndex((o) => o.kind === 'nevra_conflict' || o.kind === 'location_conflict');
    if (lost >= 0) {
      // another writer took the name between the check and the commit: what went in stays, and says so
      await finish(deps, tenancy, req, all, added, present, revision, null);
      const c = batch[lost] as Candidate;
      if (wroteFragment.has(c.entry.sha256)) await store.delete(repoFragmentKey(tenant, to, c.entry.sha256)).catch(() => undefined);
      throw new Refusal('conflict', 'nevra_conflict', `${tenant}/${to} took ${nevraOf(c.entry)} with other content while promoting; ${added.size} package(s) were promoted`);
    }
  }

  let sourceRevision: number | null = null;
  if (req.move) {
    const ops: IndexOp[] = selected.map((c) => ({ kind: 'remove', sha256: c.entry.sha256, key: { filename: c.entry.filename, location: c.entry.location } }));
    const result = await commitOps(store, tenant, from, deps.clock, ops);
    sourceRevision = result.revision;
    if (result.changed) await notify(deps, tenant, from, result.revision);
  }
  await finish(deps, tenancy, req, all, added, present, revision, sourceRevision);
  // after retention, so the target's advisories name only what it still holds
  const advisories = await carryAdvisories(deps, tenancy, tenant, from, to, all.map((c) => c.entry), req.actor);
  const packages = all.map((c) => {
    const a = added.get(c.entry.sha256);
    return view(c, a ? 'added' : 'present', (a ?? present.get(c.entry.sha256))?.addedAt ?? now);
  });
  return { from, to, move: req.move, dryRun: false, packages, unresolved, revision, sourceRevision, advisories };
}

/** Audit, regeneration and the target's retention for what went in. */
async function finish(
  deps: PublishDeps, tenancy: RepoTenancy, req: PromoteRequest, all: readonly Candidate[], added: ReadonlyMap<string, IndexEntry>,
  present: ReadonlyMap<string, IndexEntry>, revision: number, sourceRevision: number | null,
): Promise<void> {
  const { store } = deps;
  const { tenant } = req;
  const names = all.map((c) => nevraOf(c.entry));
  try {
    await tenancy.appendAudit(store, tenant, {
      actor: req.actor, action: req.move ? 'package.move' : 'package.copy', target: `${req.from} -> ${req.to}`,
      details: {
        from: req.from, to: req.to, added: added.size, present: present.size, dependencies: all.filter((c) => c.dependency).length,
        packages: names.slice(0, AUDIT_LIST_MAX), revision, sourceRevision,
      },
    }, deps.clock());
  } finally {
    if (added.size > 0) await notify(deps, tenant, req.to, revision);
  }
  await retainAfter(deps, tenancy, tenant, req.to, [...added.values()], req.actor, 'promotion');
}
