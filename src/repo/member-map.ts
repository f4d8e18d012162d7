/**
 * The member map of a generation (docs/service.md, Member map): written by regeneration beside
 * the metadata files, under `repodata/<sha256 of repomd.xml>-members.json`, so a client holding a
 * repomd.xml finds the map of exactly that generation without asking anything else. Immutable and
 * create-only like the files it describes; the generation lists it, so GC keeps it as long as them.
 */
import type { Platform } from '../core/platform.js';
import { toHex } from '../core/platform.js';
import { encodeMemberMap, fileMembers, memberMapName } from '../core/repodata/members.js';
import type { BlobStore } from '../storage/blob-store.js';
import { isStorageError } from '../storage/errors.js';
import { repodataKey } from '../storage/keys.js';

export interface MappedFile {
  /** href in repomd.xml (`repodata/<name>`). */
  href: string;
  /** Its record type. */
  type: string;
  members: readonly { size: number; id: string }[];
}

/** Writes the map of `repomd` (create-only) and returns its file name under repodata/. */
export async function writeMemberMap(store: BlobStore, platform: Platform, tenant: string, repo: string, repomd: string, files: readonly MappedFile[]): Promise<string> {
  const h = platform.createHash('sha256');
  h.update(new TextEncoder().encode(repomd));
  const name = memberMapName(toHex(h.digest()));
  const body = encodeMemberMap(files.map((f) => fileMembers(f.href, f.type, f.members)));
  try {
    await store.put(repodataKey(tenant, repo, name), body, { ifNoneMatch: '*', contentType: 'application/json' });
  } catch (e) {
    if (!isStorageError(e, 'precondition_failed')) throw e;
  }
  return name;
}
