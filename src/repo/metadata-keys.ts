/**
 * Which public key(s) verify a repo's repomd.xml — what `repodata/repomd.xml.key` serves and a
 * client needs for `repo_gpgcheck`. The one place that decides it: the dnf route, snapshots and
 * `config.repo` all ask here.
 */
import type { BlobStore } from '../storage/blob-store.js';
import { readMirrorConfig } from './mirror-config.js';
import { metadataPublicKeyArmored } from './repos.js';

/**
 * Armored public key(s) that verify the repo's served repomd.xml: a complete mirror serves
 * upstream's signed metadata, so upstream's key; any other repo its own metadata key(s). Null
 * when there is none (a complete mirror of an unsigned upstream).
 */
export async function servedMetadataKeys(store: BlobStore, tenant: string, repo: string): Promise<string | null> {
  const mirror = await readMirrorConfig(store, tenant, repo);
  if (mirror?.mode === 'complete') return mirror.key;
  return metadataPublicKeyArmored(store, tenant, repo);
}
