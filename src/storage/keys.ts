/**
 * The ONE module that builds storage keys. Nothing else concatenates key strings, so the layout can
 * change in one place and a key for another tenant cannot be assembled by accident.
 *
 *   operator.json                                      generated operator credential `{hash}` (embedded store only)
 *   tenants/<tenant>.json                              tenant record `{name, createdAt}`
 *   tokens/<sha256(token) hex>.json                    API token record — keyed by the hash, never the token
 *   token-ids/<id>.json                                `{hash, tenant}`: revocation and listing by public id
 *   logins/<sha256(login id) hex>.json                 browse-page login — keyed by the hash, never the cookie value
 *   logins-gc.json                                     GC cursor of the login sweep
 *   public-repos/<tenant>/<repo>.json                  listing marker of a public repo (the browse pages list these)
 *   public-repos.json                                  every public repo has its marker (written once)
 *   uploads/<uuid>                                     in-flight upload; GC'd after a few hours
 *   pubkeys/<fpr>.asc                                  public keys clients fetch at /keys/<FPR>.asc (repo/client-keys.ts)
 *   t/<tenant>/                                        everything a tenant owns (delete = one prefix)
 *   ├── audit/<seq 12 digits>.json                     hash-chained audit entries, written create-only
 *   ├── audit-head.json                                `{seq, hash}` of the last entry (a hint, CAS)
 *   ├── repos/<repo>.json                              repo registry marker (repos are listed from here)
 *   ├── repos.json                                     the registry is complete (written once)
 *   ├── gc.json                                        GC cursors of the tenant (blob sweep)
 *   ├── usage.json                                     `{bytes, packages}` of the tenant's package blobs (quota; repo/usage.ts)
 *   ├── limits.json                                    the operator's overrides of its quota and rate limit (repo/tenant-limits.ts)
 *   ├── keys/<fpr>.asc                                 tenant-wide trusted publisher keys (lowercase fpr)
 *   ├── blobs/sha256/<aa>/<hex>                        package bytes, content-addressed; dedupe within
 *   │                                                  the tenant only (no cross-tenant existence oracle)
 *   ├── fragments/sha256/<aa>/<hex>/<kind>.xml         cached per-package primary/filelists/other chunks
 *   └── r/<repo>/
 *       ├── config.json                                repo config (public, allowUnsigned, metadata key id)
 *       ├── metadata-key.asc                           repodata signing key (secret: never served or logged)
 *       ├── keys/<fpr>.asc                             repo-only trusted publisher keys
 *       ├── index.json                                 index head; updated by If-Match CAS
 *       ├── index/lists/<id>.json                      segment list (immutable, named by sha256)
 *       ├── index/segments/<id>.json                   index segment: ≤ 1,024 entries (immutable)
 *       ├── index/changes/<id>.json                    a large lastChange of the head (immutable)
 *       ├── gc.json                                    GC cursors of the repo
 *       ├── fragments/<sha256>.json                    per-repo {primary, filelists, other} of one package
 *       ├── generations/<revision 12 digits>.json      generation record (repomd.xml + signature text)
 *       ├── generations/<revision>.packages.json       (former layout) location → sha256 of a generation
 *       ├── chunks/<id>.<kind>                         cached compressed chunk + its XML (repo/chunk-cache.ts)
 *       ├── current.json                               pointer to the served generation; If-Match swap
 *       ├── changes/<revision 12 digits>.json          what index revision N added/removed (create-only)
 *       ├── retention.json                             retention policy `{keepNewest, maxAgeSeconds}` (repo/retention.ts)
 *       ├── snapshots/<name>.json                      a frozen generation, served under /<t>/<r>/snapshots/<name>/
 *       ├── snapshot-files/<name>/<file>               a snapshot's own copy of a repodata file not named by its checksum
 *       ├── metadata-keys.json                         the metadata key set during and after a rotation (repo/metadata-key-set.ts)
 *       ├── metadata-keys/<fpr>.asc                    metadata signing keys added by rotation (secret: never served)
 *       ├── advisories.json                            the repo's advisories `{serial, advisories[]}` (repo/advisories.ts; CAS)
 *       ├── repo-files.json                            updateinfo, comps and modules files repomd lists (repo/repo-files.ts; CAS)
 *       └── repodata/
 *           ├── <sha256>-primary.xml.gz …              write-once, content-named (createrepo style)
 *           ├── repomd.xml                             the pointer: written last, replaced atomically
 *           └── repomd.xml.asc                         detached signature of repomd.xml
 *
 * `<aa>` is the first two hex digits: it bounds directory fan-out for the fs store and spreads
 * object-store partitions. Tenant and repo names are DNS-label-like (1-63, [a-z0-9-], no leading or
 * trailing '-'), so they are safe in keys, URLs, and Azure container names alike.
 */
import { BerthError } from '../core/errors.js';

/** A tenant, repo, digest, id or file name that cannot become part of a key. */
export class InvalidNameError extends BerthError {
  override name = 'InvalidNameError';
  static readonly CODE = 'invalid_name';
  constructor(kind: string, value: string, rule: string) {
    super(InvalidNameError.CODE, `invalid ${kind} ${JSON.stringify(String(value).slice(0, 100))}: ${rule}`);
  }
}

const NAME = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
const SHA256 = /^[0-9a-f]{64}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const REPODATA_FILE = /^(?!.*\.\.)[a-z0-9][a-z0-9._-]{0,199}$/;
export const FRAGMENT_KINDS = ['primary', 'filelists', 'other'] as const;
export type FragmentKind = (typeof FRAGMENT_KINDS)[number];

export function isValidName(name: string): boolean {
  return typeof name === 'string' && NAME.test(name);
}

function tenantName(tenant: string): string {
  if (!isValidName(tenant)) throw new InvalidNameError('tenant', tenant, '1-63 chars of [a-z0-9-], not starting or ending with -');
  return tenant;
}

function repoName(repo: string): string {
  if (!isValidName(repo)) throw new InvalidNameError('repo', repo, '1-63 chars of [a-z0-9-], not starting or ending with -');
  return repo;
}

function sha256Hex(kind: string, hex: string): string {
  if (typeof hex !== 'string' || !SHA256.test(hex)) throw new InvalidNameError(kind, hex, '64 lowercase hex digits');
  return hex;
}

export function tenantKey(tenant: string): string {
  return `tenants/${tenantName(tenant)}.json`;
}

/** `tokenHash` is the hex SHA-256 of the token; the token itself never reaches storage. */
export function tokenKey(tokenHash: string): string {
  return `tokens/${sha256Hex('token hash', tokenHash)}.json`;
}

export const LOGINS_PREFIX = 'logins/';

/** A browse-page login (session), by the SHA-256 of the cookie's id (the id itself is never stored). */
export function loginKey(idHash: string): string {
  return `${LOGINS_PREFIX}${sha256Hex('login id hash', idHash)}.json`;
}

/** Where GC keeps its place in the sweep of expired logins. */
export function loginsGcStateKey(): string {
  return 'logins-gc.json';
}

/** Public repos: of every tenant (tenant undefined) or of one. */
export function publicReposPrefix(tenant?: string): string {
  return tenant === undefined ? 'public-repos/' : `public-repos/${tenantName(tenant)}/`;
}

/** Marker `{tenant, name, createdAt}` of a public repo, written when the repo is created public. */
export function publicRepoKey(tenant: string, repo: string): string {
  return `${publicReposPrefix(tenant)}${repoName(repo)}.json`;
}

/** Present once every public repo has its marker (repos created before markers existed get theirs once). */
export function publicReposCompleteKey(): string {
  return 'public-repos.json';
}

export const UPLOADS_PREFIX = 'uploads/';

export function uploadKey(id: string): string {
  if (typeof id !== 'string' || !UUID.test(id)) throw new InvalidNameError('upload id', id, 'a lowercase UUID');
  return `${UPLOADS_PREFIX}${id}`;
}

/** Everything a tenant owns; list or delete by this prefix. */
export function tenantPrefix(tenant: string): string {
  return `t/${tenantName(tenant)}/`;
}

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

export function repoPrefix(tenant: string, repo: string): string {
  return `${tenantPrefix(tenant)}r/${repoName(repo)}/`;
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

/** The bytes and count of the tenant's package blobs `{bytes, packages}` (repo/usage.ts). */
export function usageKey(tenant: string): string {
  return `${tenantPrefix(tenant)}usage.json`;
}

/** The operator's overrides of the tenant's quota and rate limit (repo/tenant-limits.ts). */
export function tenantLimitsKey(tenant: string): string {
  return `${tenantPrefix(tenant)}limits.json`;
}

/** GC cursors: of one repo, or of the tenant (repo undefined). */
export function gcStateKey(tenant: string, repo?: string): string {
  return `${repo === undefined ? tenantPrefix(tenant) : repoPrefix(tenant, repo)}gc.json`;
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

function revisionName(revision: number): string {
  if (!Number.isSafeInteger(revision) || revision < 0 || revision > 999_999_999_999) {
    throw new InvalidNameError('revision', String(revision), 'an integer 0..999999999999');
  }
  return String(revision).padStart(12, '0');
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

// --- Tenancy and access (docs/service.md: Model) ---

const TOKEN_ID = /^[a-z2-7]{12}$/;
/** Fingerprints are shown uppercase in the API; keys are lowercase because the key grammar is. */
const FINGERPRINT = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/;

/** Where the generated operator credential's hash lives when no BERTH_ADMIN_TOKEN is given. */
export function operatorKey(): string {
  return 'operator.json';
}

export const TOKEN_IDS_PREFIX = 'token-ids/';

/** `{hash, tenant}` of the token with this public id (12 lowercase base32 chars). */
export function tokenIdKey(id: string): string {
  if (typeof id !== 'string' || !TOKEN_ID.test(id)) throw new InvalidNameError('token id', id, '12 chars of [a-z2-7]');
  return `${TOKEN_IDS_PREFIX}${id}.json`;
}

export function repoConfigKey(tenant: string, repo: string): string {
  return `${repoPrefix(tenant, repo)}config.json`;
}

/** The repo's armored OpenPGP secret key for signing repomd.xml. */
export function metadataKeyKey(tenant: string, repo: string): string {
  return `${repoPrefix(tenant, repo)}metadata-key.asc`;
}

function fingerprintName(fpr: string): string {
  const lower = typeof fpr === 'string' ? fpr.toLowerCase() : '';
  if (!FINGERPRINT.test(lower)) throw new InvalidNameError('key fingerprint', fpr, '40 or 64 hex digits');
  return lower;
}

/** A public key served without credentials at /keys/<FPR>.asc (repo/client-keys.ts). */
export function publicKeyKey(fpr: string): string {
  return `pubkeys/${fingerprintName(fpr)}.asc`;
}

/** Trusted publisher keys: tenant-wide when `repo` is undefined, else for that repo only. */
export function trustedKeysPrefix(tenant: string, repo?: string): string {
  return `${repo === undefined ? tenantPrefix(tenant) : repoPrefix(tenant, repo)}keys/`;
}

/** `fpr` in either case; the key uses lowercase. */
export function trustedKeyKey(tenant: string, repo: string | undefined, fpr: string): string {
  return `${trustedKeysPrefix(tenant, repo)}${fingerprintName(fpr)}.asc`;
}

export function auditPrefix(tenant: string): string {
  return `${tenantPrefix(tenant)}audit/`;
}

/** `{seq, hash}` of the newest audit entry: a hint advanced by CAS (repo/audit.ts). */
export function auditHeadKey(tenant: string): string {
  return `${tenantPrefix(tenant)}audit-head.json`;
}

export function repoRegistryPrefix(tenant: string): string {
  return `${tenantPrefix(tenant)}repos/`;
}

/** Marker of one repo in the tenant's registry (repos are listed from these, not from `r/`). */
export function repoRegistryKey(tenant: string, repo: string): string {
  return `${repoRegistryPrefix(tenant)}${repoName(repo)}.json`;
}

/** Present once every repo of the tenant has its registry marker. */
export function repoRegistryCompleteKey(tenant: string): string {
  return `${tenantPrefix(tenant)}repos.json`;
}

export function auditKey(tenant: string, seq: number): string {
  if (!Number.isSafeInteger(seq) || seq < 1 || seq > 999_999_999_999) {
    throw new InvalidNameError('audit seq', String(seq), 'an integer 1..999999999999');
  }
  return `${auditPrefix(tenant)}${String(seq).padStart(12, '0')}.json`;
}

// --- Mirroring upstream repositories (docs/mirror.md) ---

/** A repo's mirror configuration `{from, metalink, key, mode, include, exclude, arches, newest, …}`. */
export function mirrorConfigKey(tenant: string, repo: string): string {
  return `${repoPrefix(tenant, repo)}mirror.json`;
}

/** What the last mirror runs saw and did (upstream repomd sha256, managed packages, last result). */
export function mirrorStateKey(tenant: string, repo: string): string {
  return `${repoPrefix(tenant, repo)}mirror-state.json`;
}

export const MIRRORS_PREFIX = 'mirrors/';

/** One small marker per mirrored repo, so the scheduler lists mirrors without walking tenants. */
export function mirrorRegistryKey(tenant: string, repo: string): string {
  return `${MIRRORS_PREFIX}${tenantName(tenant)}/${repoName(repo)}.json`;
}

// --- Repository lifecycle: retention, snapshots, metadata key rotation (docs/service.md) ---

/** A repo's retention policy `{keepNewest, maxAgeSeconds, updatedAt}`. */
export function retentionPolicyKey(tenant: string, repo: string): string {
  return `${repoPrefix(tenant, repo)}retention.json`;
}

const SNAPSHOT_NAME = /^[a-z0-9](?:[a-z0-9._-]{0,62})$/;

/** Snapshot names: 1-63 chars of [a-z0-9._-], starting with a letter or digit, no "..". */
export function isValidSnapshotName(name: string): boolean {
  return typeof name === 'string' && SNAPSHOT_NAME.test(name) && !name.includes('..');
}

function snapshotName(name: string): string {
  if (!isValidSnapshotName(name)) throw new InvalidNameError('snapshot', name, '1-63 chars of [a-z0-9._-], starting with a letter or digit, no ".."');
  return name;
}

/** Snapshot records of a repo (a small prefix: one blob per snapshot). */
export function snapshotsPrefix(tenant: string, repo: string): string {
  return `${repoPrefix(tenant, repo)}snapshots/`;
}

export function snapshotKey(tenant: string, repo: string, name: string): string {
  return `${snapshotsPrefix(tenant, repo)}${snapshotName(name)}.json`;
}

/** A snapshot's own copy of a repodata file whose name is not its checksum (it could change in repodata/). */
export function snapshotFileKey(tenant: string, repo: string, name: string, file: string): string {
  return `${snapshotFilesPrefix(tenant, repo, name)}${repodataKey(tenant, repo, file).slice(repodataPrefix(tenant, repo).length)}`;
}

export function snapshotFilesPrefix(tenant: string, repo: string, name: string): string {
  return `${repoPrefix(tenant, repo)}snapshot-files/${snapshotName(name)}/`;
}

/** The repo's metadata key set, once it has more than its first key (`{signing, keys[]}`). */
export function metadataKeySetKey(tenant: string, repo: string): string {
  return `${repoPrefix(tenant, repo)}metadata-keys.json`;
}

/** An armored secret metadata key added by rotation (the first one stays at metadata-key.asc). */
export function rotatedMetadataKeyKey(tenant: string, repo: string, fpr: string): string {
  return `${repoPrefix(tenant, repo)}metadata-keys/${fingerprintName(fpr)}.asc`;
}

// --- Advisories, groups and modules (docs/advisories.md) ---

/** The repo's advisories `{serial, advisories[]}`, changed by compare-and-swap. */
export function advisoriesKey(tenant: string, repo: string): string {
  return `${repoPrefix(tenant, repo)}advisories.json`;
}

/** The metadata files besides primary/filelists/other that regeneration lists in repomd.xml. */
export function repoFilesKey(tenant: string, repo: string): string {
  return `${repoPrefix(tenant, repo)}repo-files.json`;
}
