/** The real tenancy functions behind the `RepoTenancy` port (tests pass fakes instead). */
import { appendAudit } from './audit.js';
import { servedMetadataKeys } from './metadata-keys.js';
import { getRepo, signDetached } from './repos.js';
import type { RepoTenancy } from './tenancy.js';
import { trustedKeyring } from './trusted-keys.js';

export const storeTenancy: RepoTenancy = {
  getRepo,
  trustedKeyring,
  signDetached,
  // what repodata/repomd.xml.key serves: a complete mirror's is upstream's key
  metadataPublicKeyArmored: servedMetadataKeys,
  appendAudit,
};
