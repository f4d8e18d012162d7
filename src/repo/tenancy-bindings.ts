/** The real tenancy functions behind the `RepoTenancy` port (tests pass fakes instead). */
import { appendAudit } from './audit.js';
import { getRepo, metadataPublicKeyArmored, signDetached } from './repos.js';
import type { RepoTenancy } from './tenancy.js';
import { trustedKeyring } from './trusted-keys.js';

export const storeTenancy: RepoTenancy = {
  getRepo,
  trustedKeyring,
  signDetached,
  metadataPublicKeyArmored,
  appendAudit,
};
