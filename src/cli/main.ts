/** `berth` command-line entry: dispatches to one module per command. */
import { enableCompileCache } from 'node:module';
import { ApiError } from './api-client.js';
import { CliError } from './command.js';
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
  const json = rest.includes('--json');
  try {
    const command = await entry.load();
    return await command.run(rest);
  } catch (err) {
    if (err instanceof CliError) {
      // With --json every error is also reported on stdout, as JSON, for scripts.
      if (json) printJsonError(err instanceof ApiError ? { status: err.status, code: err.code, detail: err.detail } : { status: null, code: err.exitCode === 2 ? 'usage_error' : 'failed', detail: firstParagraph(err.message) });
      console.error(`berth ${name}: ${err.message}`);
      return err.exitCode;
    }
    const e = err as { code?: unknown; message?: unknown };
    if (typeof e.code === 'string' && typeof e.message === 'string') {
      if (json) printJsonError({ status: null, code: e.code, detail: e.message });
      console.error(`berth ${name}: ${e.message} (${e.code})`);
      return 1;
    }
    throw err;
  }
}

/** `{"error": {status, code, detail}}`: status is the HTTP status of a refused request, else null. */
function printJsonError(error: { status: number | null; code: string; detail: string }): void {
  console.log(JSON.stringify({ error }, null, 2));
}

/** A usage error's message carries the command's help after a blank line: JSON gets the reason only. */
function firstParagraph(message: string): string {
  return message.split('\n\n')[0] ?? message;
}

process.exitCode = await main(process.argv.slice(2));
