/** Argument parsing shared by the service commands: parse errors are usage errors (exit 2). */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { CliError, type Command } from './command.js';

type Options = NonNullable<ParseArgsConfig['options']>;

export function parse<O extends Options>(args: string[], options: O, help: string) {
  try {
    return parseArgs({
      args,
      allowPositionals: true,
      options: { ...options, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } } as O & {
        json: { type: 'boolean' };
        help: { type: 'boolean'; short: 'h' };
      },
    });
  } catch (e) {
    throw new CliError(`${(e as Error).message}\n\n${help}`, 2);
  }
}

/** Prints `data` as JSON (--json) or the human line(s); always to stdout. */
export function emit(json: boolean | undefined, data: unknown, human: string): void {
  console.log(json ? JSON.stringify(data, null, 2) : human);
}

/**
 * A `berth <group> <sub> …` command: dispatches to one function per subcommand. `--help` (or
 * `-h`) anywhere after the group prints the group's help, which names every subcommand.
 */
export function groupCommand(
  group: string,
  summary: string,
  subs: Record<string, (args: string[]) => Promise<number>>,
  help: string,
): Command {
  return {
    summary,
    help,
    subcommands: Object.keys(subs),
    async run(args) {
      const [sub, ...rest] = args;
      if (sub === '--help' || sub === '-h' || (sub !== undefined && subs[sub] && (rest.includes('--help') || rest.includes('-h')))) {
        console.log(help);
        return 0;
      }
      const fn = sub === undefined ? undefined : subs[sub];
      if (!fn) throw new CliError(`${sub === undefined ? 'missing' : `unknown`} ${group} subcommand${sub ? ` '${sub}'` : ''}\n\n${help}`, 2);
      return fn(rest);
    },
  };
}
