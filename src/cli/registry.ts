/** The `berth` commands: name → one-line summary and the module that implements it. */
import type { Command } from './command.js';

/**
 * Commands load on demand: `berth createrepo` must not pay for hono, the Azure SDK and the
 * server when it runs (start-up is part of its benchmark against createrepo_c).
 */
export interface CommandEntry {
  summary: string;
  load: () => Promise<Command>;
}

export const COMMANDS: Record<string, CommandEntry> = {
  createrepo: {
    summary: 'write dnf repodata for a directory of packages (createrepo_c compatible)',
    load: async () => (await import('./commands/createrepo.js')).createrepoCommand,
  },
  serve: {
    summary: 'run the repository service (API + dnf endpoints)',
    load: async () => (await import('./commands/serve.js')).serveCommand,
  },
  tenant: { summary: 'create, show or delete a tenant; its usage and limits (service)', load: async () => (await import('./commands/tenant.js')).tenantCommand },
  repo: { summary: 'create, list, show, change or delete repositories (service)', load: async () => (await import('./commands/repo.js')).repoCommand },
  key: { summary: 'trust, list or remove publisher signing keys (service)', load: async () => (await import('./commands/key.js')).keyCommand },
  token: { summary: 'create, list or revoke API tokens (service)', load: async () => (await import('./commands/token.js')).tokenCommand },
  audit: { summary: 'show a tenant\'s audit log (service)', load: async () => (await import('./commands/audit.js')).auditCommand },
  package: { summary: 'list or delete the packages of a repository (service)', load: async () => (await import('./commands/package.js')).packageCommand },
  push: { summary: 'upload packages to a repository (service)', load: async () => (await import('./commands/push.js')).pushCommand },
  sync: { summary: 'copy a (Berth or any dnf) repository into a directory, verified and resumable', load: async () => (await import('./commands/sync.js')).syncCommand },
  mirror: { summary: 'mirror an upstream repository into a repo (service)', load: async () => (await import('./commands/mirror.js')).mirrorCommand },
  promote: { summary: 'copy or move packages into another repository without uploading them (service)', load: async () => (await import('./commands/promote.js')).promoteCommand },
  'metadata-key': { summary: "rotate the key that signs a repository's metadata (service)", load: async () => (await import('./commands/metadata-key.js')).metadataKeyCommand },
  snapshot: { summary: 'freeze a repository under a name dnf can pin (service)', load: async () => (await import('./commands/snapshot.js')).snapshotCommand },
  advisory: { summary: 'publish security and bugfix advisories (updateinfo) (service)', load: async () => (await import('./commands/advisory.js')).advisoryCommand },
  groups: { summary: 'publish package groups (comps) for dnf group install (service)', load: async () => (await import('./commands/groups.js')).groupsCommand },
  modules: { summary: 'publish modules metadata (modules.yaml) (service)', load: async () => (await import('./commands/groups.js')).modulesCommand },
  retention: { summary: 'keep the newest versions of each package (service)', load: async () => (await import('./commands/retention.js')).retentionCommand },
};

