/**
 * The `.repo` file a client uses for a repo (docs/service.md, Client configuration): served at
 * `/{t}/{r}/config.repo` (routes/dnf.ts, and a snapshot's by routes/snapshot-dnf.ts) and shown on
 * the repo's "use this repo" page, so all say the same. Everything dnf needs but the read token
 * of a private repo, which goes where the file says. `gpgkey` lists the key(s) that verify
 * repomd.xml (repodata/repomd.xml.key) and every publisher key the repo trusts, served without
 * credentials at /keys/<FPR>.asc.
 */
import { clientConfig, type ClientConfig } from '../repo/client-keys.js';
import type { BlobStore } from '../storage/blob-store.js';
import type { ServiceConfig } from './deps.js';

/** Where clients reach this server: BERTH_PUBLIC_URL, else the request's own origin. */
export function publicOrigin(config: Pick<ServiceConfig, 'publicUrl'>, requestUrl: string): string {
  return config.publicUrl?.replace(/\/+$/, '') ?? new URL(requestUrl).origin;
}

/** The repo's own config.repo. */
export async function configRepoText(
  store: BlobStore, origin: string, tenant: string, repo: string, settings: { public: boolean; allowUnsigned: boolean },
): Promise<string> {
  return repoFileText({
    id: `${tenant}-${repo}`, name: `${tenant}/${repo} (Berth)`, base: `${origin}/${tenant}/${repo}`, origin,
    private: !settings.public, allowUnsigned: settings.allowUnsigned, keys: await clientConfig(store, tenant, repo), metadataExpire: '5m',
  });
}

export interface RepoFile {
  /** The section name (repo id). */
  id: string;
  name: string;
  /** The repo's (or snapshot's) base URL. */
  base: string;
  /** Where /keys/ is served. */
  origin: string;
  private: boolean;
  /** The repo takes unsigned packages. */
  allowUnsigned: boolean;
  keys: ClientConfig;
  /** metadata_expire, absent for content that never changes (a snapshot). */
  metadataExpire?: string;
}

export function repoFileText(f: RepoFile): string {
  // Signatures can be required of a repo's packages only when it requires them itself (a
  // complete mirror's are upstream's: required when Berth knows a key of upstream's).
  const gpgcheck = f.keys.publisher.length > 0 && (f.keys.completeMirror || !f.allowUnsigned);
  const gpgkeys = [...(f.keys.metadataKey ? [`${f.base}/repodata/repomd.xml.key`] : []), ...f.keys.publisher.map((fpr) => `${f.origin}/keys/${fpr}.asc`)];
  const lines = [
    `[${f.id}]`,
    `name=${f.name}`,
    `baseurl=${f.base}`,
    'enabled=1',
    `gpgcheck=${gpgcheck ? 1 : 0}`,
    `repo_gpgcheck=${f.keys.metadataKey ? 1 : 0}`,
    ...(gpgkeys.length > 0 ? [`gpgkey=${gpgkeys.join(' ')}`] : []),
    ...(f.metadataExpire ? [`metadata_expire=${f.metadataExpire}`] : []),
  ];
  if (!gpgcheck) {
    lines.push(f.allowUnsigned && !f.keys.completeMirror
      ? '# This repository accepts unsigned packages, so dnf cannot require package signatures;'
      : '# No publisher key is known for this repository, so dnf cannot check package signatures;',
    f.keys.metadataKey ? '# the signed metadata still names the checksum of every package.' : '# nor is its metadata signed.');
  }
  if (f.private) {
    lines.push(
      '# This repository is private: uncomment the two lines below and put a read token',
      '# (berth token create TENANT --scope read) in place of <read token>; keep the file',
      '# readable by root only (chmod 600).',
      '#username=berth',
      '#password=<read token>',
    );
  }
  return `${lines.join('\n')}\n`;
}
