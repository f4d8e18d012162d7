/**
 * Advisories that travel with promoted packages (docs/advisories.md, Promotion): the source's
 * advisories naming a promoted package are merged into the target, each pruned to the packages
 * the target holds (after the promotion and the target's retention), so the target never names
 * a package it does not serve. The source keeps its advisories (a move included).
 */
import { namesPackage, nevraOfAdvisoryPackage, type Advisory } from '../core/advisory/model.js';
import { mergeAdvisories, readAdvisories, unknownPackages, type AdvisoryDeps, type AdvisoryOutcome } from './advisories.js';
import type { IndexEntry } from './index-entry.js';
import type { RepoTenancy } from './tenancy.js';

export interface CarriedAdvisory {
  id: string;
  /** What the target's advisories did with it; `planned` in a dry run. */
  outcome: AdvisoryOutcome | 'planned';
}

/** The source's advisories naming a promoted package, pruned to what the target holds (or, in a dry run, will hold). */
export async function advisoriesToCarry(
  deps: Pick<AdvisoryDeps, 'store'>, tenant: string, from: string, to: string, promoted: readonly IndexEntry[], planned = false,
): Promise<Advisory[]> {
  if (promoted.length === 0) return [];
  const named = (await readAdvisories(deps.store, tenant, from)).filter((a) => promoted.some((e) => namesPackage(a, e)));
  const out: Advisory[] = [];
  for (const a of named) {
    const missing = new Set(await unknownPackages(deps.store, tenant, to, [a]));
    const packages = a.packages.filter((p) => !missing.has(nevraOfAdvisoryPackage(p)) || (planned && promoted.some((e) => namesPackage({ packages: [p] }, e))));
    if (packages.length > 0) out.push({ ...a, packages });
  }
  return out;
}

/** Merges what advisoriesToCarry chose into the target (nothing is written when it is empty). */
export async function carryAdvisories(
  deps: AdvisoryDeps, tenancy: Pick<RepoTenancy, 'appendAudit'>, tenant: string, from: string, to: string, promoted: readonly IndexEntry[], actor: string,
): Promise<CarriedAdvisory[]> {
  const carried = await advisoriesToCarry(deps, tenant, from, to, promoted);
  if (carried.length === 0) return [];
  return (await mergeAdvisories(deps, tenancy, tenant, to, carried, actor)).results;
}
