/**
 * Upstream's package groups (comps) for a filtered mirror (docs/mirror.md): read from the staged,
 * verified file through the bounded readers and checked before anything is published, then pruned
 * to the names of the packages the mirror keeps and made the repo's groups document — unless the
 * repo has groups of its own (uploaded by hand), which the mirror never replaces.
 */
import type { Platform } from '../core/platform.js';
import { pruneComps } from '../core/repodata/comps-prune.js';
import { readComps } from '../core/repodata/read/comps.js';
import { metadataText } from '../core/repodata/read/metadata-text.js';
import type { OutboundLimits } from '../net/limits.js';
import type { AdvisoryDeps } from '../repo/advisories.js';
import { readRepoFiles } from '../repo/repo-files.js';
import { setGroupFile } from '../repo/repo-groups.js';
import type { RepoTenancy } from '../repo/tenancy.js';
import type { BlobStore } from '../storage/blob-store.js';
import { MirrorError } from './errors.js';
import type { MetadataFile } from './metadata-files.js';

/** Most decompressed bytes of upstream's comps read (it is parsed whole). */
export const MAX_COMPS_BYTES = 32 * 1024 * 1024;

/** The comps record a filtered mirror reads: `group_gz` when upstream lists it, else `group`. */
export function compsType(types: readonly string[]): string {
  return types.includes('group_gz') ? 'group_gz' : 'group';
}

/** Upstream's comps text, checked (invalid_xml otherwise), or null when upstream lists none. */
export async function upstreamComps(store: BlobStore, file: MetadataFile | undefined, platform: Platform, limits: Pick<OutboundLimits, 'maxXmlBytes'>): Promise<string | null> {
  if (!file) return null;
  const obj = await store.get(file.key);
  if (!obj) throw new MirrorError('mirror_failed', `staged ${file.record.href} vanished`);
  const parts: string[] = [];
  for await (const t of metadataText(obj.body, file.record.href, platform, { maxBytes: Math.min(limits.maxXmlBytes, MAX_COMPS_BYTES) })) parts.push(t);
  const text = parts.join('');
  readComps(text);
  return text;
}

/** Makes the pruned comps the repo's groups; returns whether the mirror owns the repo's groups now. */
export async function carryUpstreamComps(
  deps: AdvisoryDeps, tenancy: Pick<RepoTenancy, 'appendAudit'>, tenant: string, repo: string, text: string | null, kept: ReadonlySet<string>,
  owned: boolean, actor: string, warnings: string[],
): Promise<boolean> {
  const pruned = text === null ? null : pruneComps(text, kept);
  const has = (await readRepoFiles(deps.store, tenant, repo)).some((f) => f.type === 'group');
  if (has && !owned) {
    if (pruned !== null) warnings.push(`${tenant}/${repo} has package groups of its own: upstream's are not carried`);
    return false;
  }
  if (pruned === null) {
    if (has) await setGroupFile(deps, tenancy, tenant, repo, 'group', null, actor);
    return false;
  }
  await setGroupFile(deps, tenancy, tenant, repo, 'group', pruned, actor);
  return true;
}
