/** `berth` command-line entry: dispatches to one module per command. */
import { ApiError } from './api-client.js';
import { CliError, type Command } from './command.js';

/**
 * Commands load on demand: `berth createrepo` must not pay for hono, the Azure SDK and the
 * server when it runs (start-up is part of its benchmark against createrepo_c).
 */
interface CommandEntry {
  summary: string;
  load: () => Promise<Command>;
}

const COMMANDS: Record<string, CommandEntry> = {
  createrepo: {
    summary: 'write dnf repodata for a directory of packages (createrepo_c compatible)',
    load: async () => (await import('./commands/createrepo.js')).createrepoCommand,
  },
  serve: {
    summary: 'run the repository service (API + dnf endpoints)',
    load: async () => (await import('./commands/serve.js')).serveCommand,
  },
  tenant: { summary: 'create or show a tenant (service)', load: async () => (await import('./commands/tenant.js')).tenantCommand },
  repo: { summary: 'create or list repositories (service)', load: async () => (await import('./commands/repo.js')).repoCommand },
  key: { summary: 'trust a publisher signing key (service)', load: async () => (await import('./commands/key.js')).keyCommand },
  token: { summary: 'create or revoke API tokens (service)', load: async () => (await import('./commands/token.js')).tokenCommand },
  push: { summary: 'upload packages to a repository (service)', load: async () => (await import('./commands/push.js')).pushCommand },
  sync: { summary: 'copy a repository into a directory, verified and resumable', load: async () => (await import('./commands/sync.js')).syncCommand },
  mirror: { summary: 'mirror an upstream repository into a repo (service)', load: async () => (await import('./commands/mirror.js')).mirrorCommand },
};

const USAGE = `Usage: berth <command> [options]

Commands:
${Object.entries(COMMANDS)
  .map(([name, c]) => `  ${name.padEnd(12)} ${c.summary}`)
  .join('\n')}

Run 'berth <command> --help' for a command's options.`;

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h') {
    console.log(USAGE);
    return name ? 0 : 2;
  }
  if (name === '--version') {
    console.log('berth 0.1.0');
    return 0;
  }
  const entry = COMMANDS[name];
  if (!entry) {
    console.error(`berth: unknown command '${name}'\n\n${USAGE}`);
    return 2;
  }
  try {
    const command = await entry.load();
    return await command.run(rest);
  } catch (err) {
    if (err instanceof CliError) {
      // With --json a refused request is also reported on stdout, for scripts.
      if (err instanceof ApiError && rest.includes('--json')) {
        console.log(JSON.stringify({ error: { status: err.status, code: err.code, detail: err.detail } }, null, 2));
      }
      console.error(`berth ${name}: ${err.message}`);
      return err.exitCode;
    }
    const e = err as { code?: unknown; message?: unknown };
    if (typeof e.code === 'string' && typeof e.message === 'string') {
      console.error(`berth ${name}: ${e.message} (${e.code})`);
      return 1;
    }
    throw err;
  }
}

process.exitCode = await main(process.argv.slice(2));
