/**
 * The ONE entry point for storage keys: the builders live in keys-tenancy.ts, keys-repodata.ts and
 * keys-lifecycle.ts (name rules in key-rules.ts), and nothing else concatenates key strings, so the
 * layout can change in one place and a key for another tenant cannot be assembled by accident.
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
export { FRAGMENT_KINDS, InvalidNameError, isValidName, repoPrefix, tenantPrefix, type FragmentKind } from './key-rules.js';
export * from './keys-lifecycle.js';
export * from './keys-repodata.js';
export * from './keys-tenancy.js';
