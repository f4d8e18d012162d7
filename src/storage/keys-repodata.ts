/** Storage keys of a repo's packages and metadata: blobs, fragments, index objects, repodata files, generations, change log, chunk cache (layout: keys.ts). */
import { InvalidNameError, FRAGMENT_KINDS, type FragmentKind, REPODATA_FILE, sha256Hex, revisionName, tenantPrefix, repoPrefix } from './key-rules.js';

export function packageBlobKey(tenant: string, sha256: string): string {
  const hex = sha256Hex('package sha256', sha256);
  return `${tenantPrefix(tenant)}blobs/sha256/${hex.slice(0, 2)}/${hex}`;
}

export function packageBlobsPrefix(tenant: string): string {
  return `${tenantPrefix(tenant)}blobs/sha256/`;
}

export function fragmentKey(tenant: string, sha256: string, kind: FragmentKind): string {
  const hex = sha256Hex('package sha256', sha256);
  if (!FRAGMENT_KINDS.includes(kind)) throw new InvalidNameError('fragment kind', kind, FRAGMENT_KINDS.join('|'));
  return `${tenantPrefix(tenant)}fragments/sha256/${hex.slice(0, 2)}/${hex}/${kind}.xml`;
}

export function indexKey(tenant: string, repo: string): string {
  return `${repoPrefix(tenant, repo)}index.json`;
}

/** Immutable index objects, named by the sha256 of their bytes: `lists`, `segments`, `changes`. */
export type IndexObjectKind = 'lists' | 'segments' | 'changes';

export function indexObjectsPrefix(tenant: string, repo: string, kind: IndexObjectKind): string {
  if (!['lists', 'segments', 'changes'].includes(kind)) throw new InvalidNameError('index object kind', kind, 'lists|segments|changes');
  return `${repoPrefix(tenant, repo)}index/${kind}/`;
}

export function indexObjectKey(tenant: string, repo: string, kind: IndexObjectKind, id: string): string {
  return `${indexObjectsPrefix(tenant, repo, kind)}${sha256Hex('index object id', id)}.json`;
}

export function repodataPrefix(tenant: string, repo: string): string {
  return `${repoPrefix(tenant, repo)}repodata/`;
}

/** A file under repodata/, e.g. `<sha256>-primary.xml.gz`, `repomd.xml`, `repomd.xml.asc`. */
export function repodataKey(tenant: string, repo: string, file: string): string {
  if (typeof file !== 'string' || !REPODATA_FILE.test(file)) {
    throw new InvalidNameError('repodata file', file, '[a-z0-9][a-z0-9._-]*, no "..", at most 200 chars');
  }
  return `${repodataPrefix(tenant, repo)}${file}`;
}

export function repomdKey(tenant: string, repo: string): string {
  return repodataKey(tenant, repo, 'repomd.xml');
}

export function repomdSignatureKey(tenant: string, repo: string): string {
  return repodataKey(tenant, repo, 'repomd.xml.asc');
}

/** The createrepo-style content name: `<sha256>-<kind>.<ext>` (e.g. `…-primary.xml.gz`). */
export function repodataFileName(sha256: string, kind: string, ext: string): string {
  return `${sha256Hex('repodata sha256', sha256)}-${kind}.${ext}`;
}

// --- Publish pipeline and regeneration (docs/service.md) ---

/** Every repo of a tenant: `t/<tenant>/r/`. */
export function reposPrefix(tenant: string): string {
  return `${tenantPrefix(tenant)}r/`;
}

/** Per-repo fragments `{primary, filelists, other}` of one package (per repo: `<time file>` and location differ). */
export function repoFragmentKey(tenant: string, repo: string, sha256: string): string {
  return `${repoFragmentsPrefix(tenant, repo)}${sha256Hex('package sha256', sha256)}.json`;
}

export function repoFragmentsPrefix(tenant: string, repo: string): string {
  return `${repoPrefix(tenant, repo)}fragments/`;
}

/** The fragments of the packages whose sha256 starts with `hexPrefix` (1-64 lowercase hex digits). */
export function repoFragmentsWithPrefix(tenant: string, repo: string, hexPrefix: string): string {
  if (typeof hexPrefix !== 'string' || !/^[0-9a-f]{1,64}$/.test(hexPrefix)) throw new InvalidNameError('sha256 prefix', hexPrefix, '1-64 lowercase hex digits');
  return `${repoFragmentsPrefix(tenant, repo)}${hexPrefix}`;
}

export function generationsPrefix(tenant: string, repo: string): string {
  return `${repoPrefix(tenant, repo)}generations/`;
}

/** Generation record: `{revision, createdAt, files, repomd, asc}`. */
export function generationKey(tenant: string, repo: string, revision: number): string {
  return `${generationsPrefix(tenant, repo)}${revisionName(revision)}.json`;
}

/** Location → sha256 of every package a generation lists (serves its packages after a delete). */
export function generationPackagesKey(tenant: string, repo: string, revision: number): string {
  return `${generationsPrefix(tenant, repo)}${revisionName(revision)}.packages.json`;
}

export function changesPrefix(tenant: string, repo: string): string {
  return `${repoPrefix(tenant, repo)}changes/`;
}

/** Change log entry of one index revision `{revision, at, added, removed}` (docs/sync.md). */
export function changeKey(tenant: string, repo: string, revision: number): string {
  return `${changesPrefix(tenant, repo)}${revisionName(revision)}.json`;
}

const CHUNK_KINDS = ['primary', 'filelists', 'other'] as const;

export function repoChunksPrefix(tenant: string, repo: string): string {
  return `${repoPrefix(tenant, repo)}chunks/`;
}

/** A cached metadata chunk: `<id>` is the chunk's 64-hex content id, `kind` the metadata file. */
export function repoChunkKey(tenant: string, repo: string, id: string, kind: string): string {
  if (!(CHUNK_KINDS as readonly string[]).includes(kind)) throw new InvalidNameError('chunk kind', kind, CHUNK_KINDS.join('|'));
  return `${repoChunksPrefix(tenant, repo)}${sha256Hex('chunk id', id)}.${kind}`;
}

/** The pointer to the served generation `{revision, generation}`, swapped with If-Match. */
export function currentGenerationKey(tenant: string, repo: string): string {
  return `${repoPrefix(tenant, repo)}current.json`;
}
