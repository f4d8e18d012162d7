/**
 * Upstream metadata files (primary, filelists, other, updateinfo, comps, …): staged and checked
 * against repomd.xml before anything is published. In complete mode every record is kept, under
 * the same `repodata/<name>` as upstream, so the upstream repomd.xml stays valid as served.
 */
import type { BlobStore } from '../storage/blob-store.js';
import { isStorageError } from '../storage/errors.js';
import { repodataKey } from '../storage/keys.js';
import { MirrorError } from './errors.js';
import type { RepomdEntry } from '../core/repodata/read/repomd.js';
import { assembleFile, type DeltaSource } from './delta.js';
import { download, hashAlgorithmOf, resolveHref, type UpstreamOptions } from './upstream.js';

export interface MetadataFile {
  record: RepomdEntry;
  /** File name under repodata/. */
  name: string;
  /** Where the verified bytes are now: a staging blob, or the repodata key when already stored. */
  key: string;
  staged: boolean;
  bytes: number;
}

/**
 * The record types a complete mirror keeps and serves: what dnf (libdnf/librepo) reads — primary,
 * filelists, other, updateinfo, comps (group, group_gz), modules, prestodelta — and their
 * zchunk variants, which librepo prefers when built with zchunk. Anything else an upstream
 * repomd.xml lists (sqlite `*_db`, appstream, productid, arbitrary types) is neither fetched nor
 * served: Berth does not become a host for files it does not understand. Clients look records up
 * by type and ignore the ones they do not use, so the unchanged upstream repomd.xml stays valid.
 */
const BASE_TYPES = ['primary', 'filelists', 'other', 'updateinfo', 'group', 'group_gz', 'modules', 'prestodelta'];
export const SERVED_METADATA_TYPES: ReadonlySet<string> = new Set([...BASE_TYPES, ...BASE_TYPES.map((t) => `${t}_zck`)]);

/** `repodata/<name>` → name, refusing layouts Berth cannot serve at the same href. */
export function repodataName(tenant: string, repo: string, r: RepomdEntry): string {
  const m = /^repodata\/([^/]+)$/.exec(r.href);
  const name = m?.[1];
  if (r.base !== null || !name) {
    throw new MirrorError('unsupported_layout', `upstream ${r.type} lives at ${r.base ?? ''}${r.href}: complete mode needs repodata/<file> hrefs without xml:base`);
  }
  try {
    repodataKey(tenant, repo, name);
  } catch {
    throw new MirrorError('unsupported_layout', `upstream metadata file name ${JSON.stringify(name)} cannot be stored (lowercase [a-z0-9._-] only)`);
  }
  return name;
}

/**
 * Stages one record's file and checks its checksum. A content-named file (name starts with its
 * checksum) already stored for the repo is not fetched again; with `delta` (a Berth upstream) one
 * the last run stored a previous version of is made from that and ranges (delta.ts), or else
 * downloaded whole.
 */
export async function stageMetadataFile(
  store: BlobStore,
  tenant: string,
  repo: string,
  base: string,
  r: RepomdEntry,
  up: UpstreamOptions,
  name: string | null,
  delta?: DeltaSource | null,
): Promise<MetadataFile> {
  const algorithm = hashAlgorithmOf(r.checksum.type);
  if (!algorithm) throw new MirrorError('unsupported_checksum', `repomd ${r.type}: checksum type ${r.checksum.type} is not supported`);
  if (name !== null && name.startsWith(r.checksum.value) && (await store.head(repodataKey(tenant, repo, name)))) {
    return { record: r, name, key: repodataKey(tenant, repo, name), staged: false, bytes: 0 };
  }
  const url = resolveHref(r.base ?? base, r.href);
  const next = delta?.next.get(r.type);
  const old = next && (await delta?.old(r.type));
  // bytes read from range answers of an attempt that fell back still count as transferred
  const before = delta?.counts.fetchedBytes ?? 0;
  if (delta && next && old) {
    const made = await assembleFile(store, up.platform, r, algorithm, url, next, old, up, delta.counts, delta.distrusted);
    if ('staged' in made) return { record: r, name: name ?? r.href, key: made.staged.key, staged: true, bytes: made.bytes };
    delta.counts.fallbacks++;
  }
  const got = await download(store, url, [algorithm], up, r.size ?? up.outbound.limits.maxMetadataBytes);
  const key = got.key;
  if (got.digests[algorithm] !== r.checksum.value) {
    await store.delete(key).catch(() => undefined);
    // never the digest of what arrived: it would tell a prober what an address answers
    throw new MirrorError('checksum_mismatch', `upstream ${r.href} does not match its ${r.checksum.type} checksum in repomd.xml`, { file: r.href });
  }
  return { record: r, name: name ?? r.href, key, staged: true, bytes: got.size + (delta?.counts.fetchedBytes ?? 0) - before };
}

/** Moves verified staged files under repodata/ (create-only: same name = same bytes). */
export async function publishMetadataFiles(store: BlobStore, tenant: string, repo: string, files: readonly MetadataFile[]): Promise<void> {
  for (const f of files) {
    if (!f.staged) continue;
    const to = repodataKey(tenant, repo, f.name);
    try {
      if (store.copy) await store.copy(f.key, to, { ifNoneMatch: '*' });
      else {
        const obj = await store.get(f.key);
        if (!obj) throw new Error(`staged ${f.key} vanished`);
        await store.put(to, obj.body, { ifNoneMatch: '*', contentType: 'application/octet-stream' });
      }
    } catch (e) {
      if (!isStorageError(e, 'precondition_failed')) throw e;
      // Same name, different bytes only happens for non-content-named files: replace them.
      if (!f.name.startsWith(f.record.checksum.value)) {
        const obj = await store.get(f.key);
        if (obj) await store.put(to, obj.body, { contentType: 'application/octet-stream' });
      }
    }
  }
}

export async function discardStaged(store: BlobStore, files: readonly MetadataFile[]): Promise<void> {
  for (const f of files) if (f.staged) await store.delete(f.key).catch(() => undefined);
}
