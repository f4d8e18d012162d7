/**
 * Retention (docs/service.md, Retention): a repo's policy `t/<t>/r/<r>/retention.json` keeps the
 * newest `keepNewest` versions of each name and arch, and/or drops versions older than
 * `maxAgeSeconds` (by the time they entered the repo) unless they are the newest of their name
 * and arch. A package goes when either rule says so.
 *
 * Applied after every publish (and promotion) into the repo, to the names that publish touched
 * only: their versions are one run of index segments (index-range.ts), so the cost follows the
 * change, never the repo. `applyRetention` with no names examines the whole repo (an explicit
 * run, or a dry run that only lists what would go). Removals are one index commit, audited as
 * `retention.apply`; blobs stay until GC, like any delete.
 */
import { byNameArch } from '../core/package-order.js';
import type { Logger } from '../core/logger.js';
import type { Platform } from '../core/platform.js';
import type { BlobStore } from '../storage/blob-store.js';
import { readJson, writeJson } from '../storage/json-blob.js';
import { retentionPolicyKey } from '../storage/keys.js';
import type { EventSink } from './events.js';
import { commitOps, loadHead, type IndexOp } from './index-commit.js';
import { nevraOf, type IndexEntry } from './index-entry.js';
import { versionsOf } from './index-range.js';
import { listEntries } from './index-store.js';
import { isCompleteMirror } from './mirror-config.js';
import type { RepoTenancy } from './tenancy.js';

export interface RetentionRules {
  /** Keep at most this many versions of each name and arch (null: no count limit). */
  keepNewest: number | null;
  /** Drop versions that entered the repo longer ago than this, except the newest (null: no age limit). */
  maxAgeSeconds: number | null;
}

export interface RetentionPolicy extends RetentionRules {
  updatedAt: string;
}

export const NO_RETENTION: RetentionRules = { keepNewest: null, maxAgeSeconds: null };

/** Most removals an audit entry names one by one (the count is always there). */
const AUDIT_LIST_MAX = 1000;

export async function readRetention(store: BlobStore, tenant: string, repo: string): Promise<RetentionPolicy | null> {
  return (await readJson<RetentionPolicy>(store, retentionPolicyKey(tenant, repo)))?.value ?? null;
}

/** Stores the rules; rules that limit nothing remove the policy. Returns what is now in force. */
export async function writeRetention(store: BlobStore, tenant: string, repo: string, rules: RetentionRules, now: Date): Promise<RetentionPolicy | null> {
  if (!limits(rules)) {
    await store.delete(retentionPolicyKey(tenant, repo));
    return null;
  }
  const policy: RetentionPolicy = { keepNewest: rules.keepNewest, maxAgeSeconds: rules.maxAgeSeconds, updatedAt: now.toISOString() };
  await writeJson(store, retentionPolicyKey(tenant, repo), policy);
  return policy;
}

export function limits(rules: RetentionRules): boolean {
  return rules.keepNewest !== null || rules.maxAgeSeconds !== null;
}

/** Which of `entries` the rules remove, at `nowSeconds` (pure). Newest first within each name and arch. */
export function expired(entries: readonly IndexEntry[], rules: RetentionRules, nowSeconds: number): IndexEntry[] {
  const out: IndexEntry[] = [];
  const cutoff = rules.maxAgeSeconds === null ? null : nowSeconds - rules.maxAgeSeconds;
  for (const group of byNameArch(entries)) {
    group.forEach((e, rank) => {
      const tooMany = rules.keepNewest !== null && rank >= rules.keepNewest;
      const tooOld = cutoff !== null && rank > 0 && e.addedAt < cutoff;
      if (tooMany || tooOld) out.push(e);
    });
  }
  return out;
}

export interface RetentionDeps {
  store: BlobStore;
  platform: Platform;
  events: EventSink;
  clock: () => Date;
  logger: Logger;
}

export interface RetentionRun {
  tenant: string;
  repo: string;
  actor: string;
  /** What caused the run, for the audit log: `publish`, `promotion` or `manual`. */
  trigger: 'publish' | 'promotion' | 'manual';
  /** Only these names (each with all its arches); absent: the whole repo. */
  names?: readonly string[];
  /** List what would go, change nothing. */
  dryRun?: boolean;
  /** These rules instead of the stored policy. */
  rules?: RetentionRules;
}

export interface RetentionResult {
  rules: RetentionRules;
  dryRun: boolean;
  /** Removed (or, in a dry run, that would be). */
  removed: IndexEntry[];
  /** Index revision after the removals (the current one when nothing changed). */
  revision: number;
}

async function candidates(store: BlobStore, tenant: string, repo: string, list: string | null, names: readonly string[] | undefined): Promise<IndexEntry[]> {
  const out: IndexEntry[] = [];
  if (names === undefined) {
    for await (const e of listEntries(store, tenant, repo, list)) out.push(e);
    return out;
  }
  for (const name of new Set(names)) out.push(...(await versionsOf(store, tenant, repo, list, name)));
  return out;
}

/**
 * Applies the rules (the stored policy unless `run.rules`) to the names given, or the whole repo.
 * A repo without a policy, and a complete mirror (its packages are upstream's), lose nothing.
 */
export async function applyRetention(deps: RetentionDeps, tenancy: Pick<RepoTenancy, 'appendAudit'>, run: RetentionRun): Promise<RetentionResult> {
  const { store } = deps;
  const { tenant, repo } = run;
  const dryRun = run.dryRun ?? false;
  const rules = run.rules ?? (await readRetention(store, tenant, repo)) ?? NO_RETENTION;
  const { head } = await loadHead(store, tenant, repo);
  const idle = { rules, dryRun, removed: [], revision: head.revision };
  if (!limits(rules) || (await isCompleteMirror(store, tenant, repo))) return idle;
  const nowSeconds = Math.floor(deps.clock().getTime() / 1000);
  const planned = expired(await candidates(store, tenant, repo, head.list, run.names), rules, nowSeconds);
  if (dryRun || planned.length === 0) return { ...idle, removed: planned };

  const ops: IndexOp[] = planned.map((e) => ({ kind: 'remove', sha256: e.sha256, key: { filename: e.filename, location: e.location } }));
  const result = await commitOps(store, tenant, repo, deps.clock, ops);
  // a concurrent delete may have taken some first: report what this commit removed
  const removed = result.outcomes.flatMap((o) => (o.kind === 'removed' ? [o.entry] : []));
  if (!result.changed) return { ...idle, removed, revision: result.revision };
  try {
    await tenancy.appendAudit(store, tenant, {
      actor: run.actor, action: 'retention.apply', target: repo,
      details: {
        trigger: run.trigger, keepNewest: rules.keepNewest, maxAgeSeconds: rules.maxAgeSeconds, count: removed.length,
        removed: removed.slice(0, AUDIT_LIST_MAX).map((e) => ({ sha256: e.sha256, nevra: nevraOf(e) })), revision: result.revision,
      },
    }, deps.clock());
  } finally {
    try {
      await deps.events.send({ tenant, repo, revision: result.revision });
    } catch (e) {
      deps.logger.error('repo change event failed', { tenant, repo, revision: result.revision, error: String(e) });
    }
  }
  return { rules, dryRun, removed, revision: result.revision };
}

/**
 * Retention after packages entered a repo (publish, promotion): the names they touched only.
 * Never fails the change that triggered it — the packages are in already; a failure is logged
 * and the next publish of the name (or an explicit run) catches up.
 */
export async function retainAfter(
  deps: RetentionDeps, tenancy: Pick<RepoTenancy, 'appendAudit'>, tenant: string, repo: string,
  added: readonly Pick<IndexEntry, 'name'>[], actor: string, trigger: 'publish' | 'promotion',
): Promise<IndexEntry[]> {
  if (added.length === 0) return [];
  try {
    const policy = await readRetention(deps.store, tenant, repo);
    if (!policy) return [];
    const r = await applyRetention(deps, tenancy, { tenant, repo, actor, trigger, names: added.map((e) => e.name), rules: policy });
    return r.removed;
  } catch (e) {
    deps.logger.error('retention after a change failed', { tenant, repo, error: String(e) });
    return [];
  }
}
