/** `berth` command-line entry: dispatches to one module per command. */
import { enableCompileCache } from 'node:module';
import { runCommand } from './dispatch.js';
import { COMMANDS } from './registry.js';

// Commands load on demand (registry.ts), after this: V8 then reuses their compiled code from the
// previous run (Node's compile cache, in the OS temp directory) instead of compiling every module
// at each start. A short command like `berth createrepo` spends a good part of its time starting.
enableCompileCache();

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
  return runCommand(name, rest, entry.load);
}

process.exitCode = await main(process.argv.slice(2));
