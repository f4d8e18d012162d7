/**
 * The `.repo` file a client uses for a repo: served at `/{t}/{r}/config.repo` (routes/dnf.ts)
 * and shown on the repo's "use this repo" page, so both always say the same.
 */
import type { ServiceConfig } from './deps.js';

/** Where clients reach this server: BERTH_PUBLIC_URL, else the request's own origin. */
export function publicOrigin(config: Pick<ServiceConfig, 'publicUrl'>, requestUrl: string): string {
  return config.publicUrl?.replace(/\/+$/, '') ?? new URL(requestUrl).origin;
}

export function configRepoText(origin: string, tenant: string, repo: string, isPublic: boolean): string {
  const base = `${origin}/${tenant}/${repo}`;
  const lines = [
    `[${tenant}-${repo}]`,
    `name=${tenant}/${repo} (Berth)`,
    `baseurl=${base}`,
    'enabled=1',
    'gpgcheck=1',
    'repo_gpgcheck=1',
    `gpgkey=${base}/repodata/repomd.xml.key`,
    'metadata_expire=5m',
  ];
  if (!isPublic) {
    lines.push(
      '# This repository is private: add a read token as the password, e.g.',
      '#   username=berth',
      '#   password=<your read token>',
      '# (keep this file readable by root only: chmod 600)',
    );
  }
  return `${lines.join('\n')}\n`;
}
