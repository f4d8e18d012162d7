/**
 * Runs one command and turns its failures into output and an exit code: a `CliError` is printed
 * as one line (exit 1, or 2 for a usage error), an error with a string `code` as one line with
 * the code (exit 1); anything else propagates (a bug: Node prints the stack). With --json every
 * such failure is also reported on stdout, as JSON, for scripts.
 */
import { ApiError } from './api-error.js';
import { CliError, type Command } from './command.js';

export async function runCommand(name: string, args: string[], load: () => Promise<Command>): Promise<number> {
  const json = args.includes('--json');
  try {
    const command = await load();
    return await command.run(args);
  } catch (err) {
    if (err instanceof CliError) {
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
