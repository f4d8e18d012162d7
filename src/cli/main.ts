/** `berth` command-line entry: dispatches to one module per command. */
import { createrepoCommand } from './commands/createrepo.js';
import { CliError, type Command } from './command.js';

const COMMANDS: Record<string, Command> = {
  createrepo: createrepoCommand,
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
