/**
 * Snapshots (docs/service.md, Snapshots): a repo's served generation frozen under a name,
 * `t/<t>/r/<r>/snapshots/<name>.json`, served at `/<t>/<r>/snapshots/<name>/` exactly as it was —
 * repomd.xml and its signature from the record, the key(s) that verified it, the repodata files it
 * lists, the packages of its index segments — until the snapshot is deleted. GC treats each
 * snapshot like a kept generation, so nothing it references (repodata files, chunks, segment list,
 * segments, fragments, package blobs) is ever collected (gc-repo.ts).
 *
 * The record copies the generation record (GC may drop the generation itself); repodata files
 * not named by their checksum (a complete mirror keeps upstream's names, which a later run may
 * rewrite) are copied beside it, so every byte served stays the same.
 */
import type { BlobStore } from '../storage/blob-store.js';
import { listAll } from '../storage/blob-store.js';
import { isStorageError } from '../storage/errors.js';
import { readJson, writeJson } from '../storage/json-blob.js';
import { repodataKey, snapshotFileKey, snapshotFilesPrefix, snapshotKey, snapshotsPrefix } from '../storage/keys.js';
import { Refusal } from './errors.js';
import { currentGeneration, type GenerationRecord } from './generations.js';
import { readList } from './index-objects.js';
import { servedMetadataKeys } from './metadata-keys.js';
import type { RepoTenancy } from './tenancy.js';

export interface SnapshotRecord {
  name: string;
  createdAt: string;
  /** Index revision of the frozen generation. */
  revision: number;
  /** Packages in it. */
  packages: number;
  /** The generation record as it was (repomd.xml, its signature, files, segment list, codec, parts). */
  generation: GenerationRecord;
  /** Armored public key(s) that verify its signature: what the repo served as repomd.xml.key then. */
  key: string | null;
  /** Files of `generation.files` served from the snapshot's own copy (names that are not checksums). */
  copied: string[];
  /** Who made it (token id or `operator`). */
  createdBy: string;
}

/**
 * Checksum-named repodata: immutable by name, so the repo's own copy is served. The member map is
 * named by the checksum of the repomd.xml it describes, and create-only like the files.
 */
export const CHECKSUM_NAMED = /^[0-9a-f]{64}-(?:[a-z_]+\.xml(?:\.(?:gz|zst|xz|bz2))?|members\.json)$/;

const NAME_IN_PREFIX = /\/([^/]+)\.json$/;

export function snapshotMissing(tenant: string, repo: string, name: string): Refusal {
  return new Refusal('not_found', 'snapshot_not_found', `no snapshot ${name} of ${tenant}/${repo}`);
}

export async function readSnapshot(store: BlobStore, tenant: string, repo: string, name: string): Promise<SnapshotRecord | null> {
  return (await readJson<SnapshotRecord>(store, snapshotKey(tenant, repo, name)))?.value ?? null;
}

/** Every snapshot of a repo, by name (a small prefix: one record each). */
export async function listSnapshots(store: BlobStore, tenant: string, repo: string): Promise<SnapshotRecord[]> {
  const out: SnapshotRecord[] = [];
  for await (const item of listAll(store, snapshotsPrefix(tenant, repo))) {
    const name = NAME_IN_PREFIX.exec(item.key)?.[1];
    // a record that cannot be read is an error, never skipped: GC must not judge its files
    const rec = name === undefined ? null : await readJson<SnapshotRecord>(store, item.key);
    if (rec) out.push(rec.value);
  }
  return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

async function copyFile(store: BlobStore, from: string, to: string): Promise<void> {
  if (store.copy) {
    await store.copy(from, to);
    return;
  }
  const obj = await store.get(from);
  if (!obj) throw new Refusal('busy', 'busy', `${from} vanished while the snapshot was taken: try again`);
  await store.put(to, obj.body, { contentType: 'application/octet-stream' });
}

/**
 * Freezes the served generation under `name`. 409 `snapshot_exists` when the name is taken,
 * 409 `no_metadata` when the repo has no metadata yet (nothing published), 409
 * `metadata_outdated` for a generation written before the index had segments (the next publish
 * replaces it).
 */
export async function createSnapshot(
  store: BlobStore, tenancy: Pick<RepoTenancy, 'appendAudit'>, tenant: string, repo: string, name: string, actor: string, now: Date,
): Promise<SnapshotRecord> {
  const key = snapshotKey(tenant, repo, name);
  const exists = (): Refusal => new Refusal('conflict', 'snapshot_exists', `${tenant}/${repo} already has a snapshot ${name}`);
  if (await store.head(key)) throw exists();
  const gen = await currentGeneration(store, tenant, repo);
  if (!gen) throw new Refusal('conflict', 'no_metadata', `${tenant}/${repo} has no metadata yet: publish a package first`);
  const generation = gen.record;
  if (generation.index === undefined) {
    throw new Refusal('conflict', 'metadata_outdated', `${tenant}/${repo} serves metadata from an older index layout: publish or delete a package, then snapshot`);
  }
  const copied = generation.files.filter((f) => !CHECKSUM_NAMED.test(f));
  for (const f of copied) await copyFile(store, repodataKey(tenant, repo, f), snapshotFileKey(tenant, repo, name, f));
  const packages = (await readList(store, tenant, repo, generation.index)).reduce((n, r) => n + r.count, 0);
  const record: SnapshotRecord = {
    name, createdAt: now.toISOString(), revision: generation.revision, packages, generation,
    key: await servedMetadataKeys(store, tenant, repo), copied, createdBy: actor,
  };
  try {
    await writeJson(store, key, record, { ifNoneMatch: '*' });
  } catch (e) {
    if (isStorageError(e, 'precondition_failed')) throw exists();
    throw e;
  }
  // From here on GC keeps what the record names. A GC pass that read the snapshots before the
  // record existed could still have judged the generation's files; check that they are there.
  for (const f of generation.files.filter((x) => CHECKSUM_NAMED.test(x))) {
    if (!(await store.head(repodataKey(tenant, repo, f)))) {
      await store.delete(key);
      throw new Refusal('busy', 'busy', `${tenant}/${repo} changed while the snapshot was taken: try again`);
    }
  }
  await tenancy.appendAudit(store, tenant, {
    actor, action: 'snapshot.create', target: `${repo}/${name}`, details: { revision: record.revision, packages },
  }, now);
  return record;
}

/** Deletes a snapshot (its record, then its copied files); 404 `snapshot_not_found`. */
export async function deleteSnapshot(
  store: BlobStore, tenancy: Pick<RepoTenancy, 'appendAudit'>, tenant: string, repo: string, name: string, actor: string, now: Date,
): Promise<SnapshotRecord> {
  const record = await readSnapshot(store, tenant, repo, name);
  if (!record || !(await store.delete(snapshotKey(tenant, repo, name)))) throw snapshotMissing(tenant, repo, name);
  for await (const item of listAll(store, snapshotFilesPrefix(tenant, repo, name))) await store.delete(item.key);
  await tenancy.appendAudit(store, tenant, {
    actor, action: 'snapshot.delete', target: `${repo}/${name}`, details: { revision: record.revision },
  }, now);
  return record;
}

/** The generation records of every snapshot of a repo: what GC must keep (gc-repo.ts). */
export async function frozenGenerations(store: BlobStore, tenant: string, repo: string): Promise<GenerationRecord[]> {
  return (await listSnapshots(store, tenant, repo)).map((s) => s.generation);
}
