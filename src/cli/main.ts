/** `berth` command-line entry: dispatches to one module per command. */
import { ApiError } from './api-client.js';
import { createrepoCommand } from './commands/createrepo.js';
import { keyCommand } from './commands/key.js';
import { pushCommand } from './commands/push.js';
import { repoCommand } from './commands/repo.js';
import { serveCommand } from './commands/serve.js';
import { tenantCommand } from './commands/tenant.js';
import { tokenCommand } from './commands/token.js';
import { CliError, type Command } from './command.js';

const COMMANDS: Record<string, Command> = {
  createrepo: createrepoCommand,
  serve: serveCommand,
  tenant: tenantCommand,
  repo: repoCommand,
  key: keyCommand,
  token: tokenCommand,
  push: pushCommand,
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
  const command = COMMANDS[name];
  if (!command) {
    console.error(`berth: unknown command '${name}'\n\n${USAGE}`);
    return 2;
  }
  try {
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
