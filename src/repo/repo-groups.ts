/**
 * A repo's package groups (comps, repomd `group` and `group_gz`) and modules (`modules`), uploaded
 * whole (docs/advisories.md, Groups and modules): stored once under their checksum names,
 * made current in repo-files.json, then a metadata-only index revision so the next generation
 * lists them. Uploading the same document again changes nothing.
 */
import type { Codec } from '../core/platform.js';
import type { BlobStore } from '../storage/blob-store.js';
import { repodataKey } from '../storage/keys.js';
import { commitAndNotify, type AdvisoryDeps } from './advisories.js';
import { Refusal } from './errors.js';
import { loadHead } from './index-commit.js';
import { isCompleteMirror } from './mirror-config.js';
import { readRepoFiles, REPO_FILE_SOURCES, setRepoFiles, storeRepoFile, type RepoFileRecord } from './repo-files.js';
import type { RepoTenancy } from './tenancy.js';

export type GroupSource = 'group' | 'modules';

const mirrorRepo = (tenant: string, repo: string): Refusal =>
  new Refusal('conflict', 'mirror_repo', `${tenant}/${repo} is a complete mirror: it serves its upstream's own groups and modules`);

/** Makes `text` the repo's comps (`group`) or modules document; null removes it. */
export async function setGroupFile(
  deps: AdvisoryDeps, tenancy: Pick<RepoTenancy, 'appendAudit'>, tenant: string, repo: string, source: GroupSource, text: string | null, actor: string,
): Promise<{ revision: number; changed: boolean }> {
  const { store } = deps;
  if (await isCompleteMirror(store, tenant, repo)) throw mirrorRepo(tenant, repo);
  const now = deps.clock();
  const files: RepoFileRecord[] = [];
  if (text !== null) {
    const bytes = new TextEncoder().encode(text);
    if (source === 'group') {
      files.push(await storeRepoFile(deps, tenant, repo, 'group', 'comps.xml', bytes, false, now));
      files.push(await storeRepoFile(deps, tenant, repo, 'group_gz', 'comps.xml', bytes, true, now));
    } else {
      files.push(await storeRepoFile(deps, tenant, repo, 'modules', 'modules.yaml', bytes, true, now));
    }
  } else if (!(await readRepoFiles(store, tenant, repo)).some((f) => f.type === source)) {
    throw new Refusal('not_found', `${source === 'group' ? 'groups' : 'modules'}_not_found`, `${tenant}/${repo} has no ${source === 'group' ? 'comps' : 'modules'} document`);
  }
  if (!(await setRepoFiles(store, tenant, repo, source, files))) {
    return { revision: (await loadHead(store, tenant, repo)).head.revision, changed: false };
  }
  const revision = await commitAndNotify(deps, tenant, repo, REPO_FILE_SOURCES[source]);
  await tenancy.appendAudit(store, tenant, {
    actor, action: `${source === 'group' ? 'groups' : 'modules'}.${text === null ? 'delete' : 'set'}`, target: repo,
    details: { files: files.map((f) => f.name), revision },
  }, deps.clock());
  return { revision, changed: true };
}

/** The current document as uploaded (decompressed), or null. */
export async function readGroupFile(deps: { store: BlobStore; platform: { decompress(c: Codec, s: ReadableStream<Uint8Array>): ReadableStream<Uint8Array> } }, tenant: string, repo: string, source: GroupSource): Promise<string | null> {
  const f = (await readRepoFiles(deps.store, tenant, repo)).find((x) => x.type === source);
  if (!f) return null;
  const obj = await deps.store.get(repodataKey(tenant, repo, f.name));
  if (!obj) return null;
  const stream = f.name.endsWith('.gz') ? deps.platform.decompress('gz', obj.body) : obj.body;
  return new Response(stream).text();
}
