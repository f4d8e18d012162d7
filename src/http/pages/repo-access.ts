/** Access to a repo from a page: the API's rule (requireRepoAccess), the page's principal. */
import type { RepoConfig } from '../../repo/repos.js';
import { getRepo } from '../../repo/repos.js';
import { isValidName } from '../../storage/keys.js';
import { notFound } from '../errors.js';
import { requireRepoAccess } from '../middleware/auth.js';
import type { PageCtx } from './context.js';
import type { Crumb } from './layout.js';

/** The repo's config when the page's principal may read it; the API's 401/403/404 otherwise. */
export async function readableRepo(p: PageCtx, tenant: string, repo: string): Promise<RepoConfig> {
  if (!isValidName(tenant) || !isValidName(repo)) throw notFound(tenant, repo);
  return requireRepoAccess(p.principal, { tenant, repo, action: 'read' }, () => getRepo(p.deps.store, tenant, repo));
}

export function repoCrumbs(tenant: string, repo: string, ...rest: Crumb[]): Crumb[] {
  return [{ label: 'Berth', href: '/' }, { label: tenant, href: `/${tenant}/` }, { label: repo, href: `/${tenant}/${repo}/` }, ...rest];
}

/** Base path of a repo's pages. */
export const repoPath = (tenant: string, repo: string): string => `/${tenant}/${repo}/`;
