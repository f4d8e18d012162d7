/**
 * Upstream's modules (modules.yaml) for a filtered mirror (docs/mirror.md, Modules of a filtered
 * mirror): read from the staged, verified file through the bounded readers and checked like an
 * upload before anything is published; pruned to the packages the mirror keeps
 * (src/core/modules/prune.ts), which takes the packages only dropped module streams name out of
 * the selection; then made the repo's modules document — unless the repo has modules of its own
 * (uploaded by hand), which the mirror never replaces.
 */
import { moduleDocuments, type ModuleDocument } from '../core/modules/documents.js';
import { isModulesError } from '../core/modules/errors.js';
import { nevraKey } from '../core/modules/nevra.js';
import { nsvca, pruneModules } from '../core/modules/prune.js';
import type { Platform } from '../core/platform.js';
import { metadataText } from '../core/repodata/read/metadata-text.js';
import type { OutboundLimits } from '../net/limits.js';
import type { AdvisoryDeps } from '../repo/advisories.js';
import { readRepoFiles } from '../repo/repo-files.js';
import { setGroupFile } from '../repo/repo-groups.js';
import type { RepoTenancy } from '../repo/tenancy.js';
import type { BlobStore } from '../storage/blob-store.js';
import { MirrorError } from './errors.js';
import type { MetadataFile } from './metadata-files.js';
import type { UpstreamPackage } from './primary.js';

/** Most decompressed bytes of upstream's modules.yaml read (it is parsed a document at a time, but held whole). */
export const MAX_MODULES_BYTES = 32 * 1024 * 1024;

/** Upstream's module documents, checked (invalid_modules otherwise), or null when upstream lists none. */
export async function upstreamModules(store: BlobStore, file: MetadataFile | undefined, platform: Platform, limits: Pick<OutboundLimits, 'maxXmlBytes'>): Promise<ModuleDocument[] | null> {
  if (!file) return null;
  const obj = await store.get(file.key);
  if (!obj) throw new MirrorError('mirror_failed', `staged ${file.record.href} vanished`);
  const parts: string[] = [];
  for await (const t of metadataText(obj.body, file.record.href, platform, { maxBytes: Math.min(limits.maxXmlBytes, MAX_MODULES_BYTES) })) parts.push(t);
  try {
    return [...moduleDocuments(parts.join(''))];
  } catch (e) {
    if (isModulesError(e)) throw new MirrorError('invalid_modules', `upstream ${file.record.href}: ${e.message}`);
    throw e;
  }
}

export interface ModulesPlan {
  /** The packages to mirror: the selection less those only dropped module streams name. */
  selected: UpstreamPackage[];
  /** The pruned modules.yaml to carry; null for none. */
  text: string | null;
  /** The repo has modules of its own: upstream's are neither carried nor used to prune. */
  own: boolean;
}

const keyOf = (p: UpstreamPackage): string => nevraKey(p);

/** What the run mirrors and carries, decided before any package is fetched. */
export async function planModules(
  store: BlobStore, tenant: string, repo: string, docs: readonly ModuleDocument[] | null,
  all: readonly UpstreamPackage[], selected: UpstreamPackage[], arches: readonly string[], owned: boolean, warnings: string[],
): Promise<ModulesPlan> {
  const own = !owned && (await readRepoFiles(store, tenant, repo)).some((f) => f.type === 'modules');
  if (docs === null) return { selected, text: null, own };
  if (own) {
    warnings.push(`${tenant}/${repo} has modules of its own: upstream's are not carried`);
    return { selected, text: null, own };
  }
  const held = new Set(all.map(keyOf));
  const kept = new Set(selected.map(keyOf));
  const admitted = arches.length === 0 ? null : new Set([...arches, 'noarch']);
  const pruned = pruneModules(docs, { kept: (k) => kept.has(k), considered: (k, n) => held.has(k) && (admitted === null || admitted.has(n.arch)) });
  const out = selected.filter((p) => !pruned.orphaned.has(keyOf(p)));
  if (out.length < selected.length) {
    const gone = new Set(selected.filter((p) => pruned.orphaned.has(keyOf(p))).map(keyOf));
    const streams = pruned.dropped.filter((s) => s.artifacts.some((a) => gone.has(a.key))).map(nsvca);
    warnings.push(`${gone.size} selected package(s) not mirrored: only module streams the filters keep part of name them (${streams.slice(0, 5).join(', ')}${streams.length > 5 ? `, and ${streams.length - 5} more` : ''})`);
  }
  return { selected: out, text: pruned.text, own };
}

/** Makes the pruned modules the repo's; returns whether the mirror owns the repo's modules now. */
export async function carryUpstreamModules(
  deps: AdvisoryDeps, tenancy: Pick<RepoTenancy, 'appendAudit'>, tenant: string, repo: string, plan: ModulesPlan, owned: boolean, actor: string,
): Promise<boolean> {
  if (plan.own) return false;
  const has = (await readRepoFiles(deps.store, tenant, repo)).some((f) => f.type === 'modules');
  if (has && !owned) return false;
  if (plan.text === null) {
    if (has) await setGroupFile(deps, tenancy, tenant, repo, 'modules', null, actor);
    return false;
  }
  await setGroupFile(deps, tenancy, tenant, repo, 'modules', plan.text, actor);
  return true;
}
