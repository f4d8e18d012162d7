/** Argument parsing shared by the service commands: parse errors are usage errors (exit 2). */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { CliError } from './command.js';

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

/** Dispatch for `berth <group> <sub> …` commands. */
export function subcommand(
  group: string,
  subs: Record<string, (args: string[]) => Promise<number>>,
  help: string,
): (args: string[]) => Promise<number> {
  return async (args) => {
    const [sub, ...rest] = args;
    if (sub === '--help' || sub === '-h') {
      console.log(help);
      return 0;
    }
    const fn = sub === undefined ? undefined : subs[sub];
    if (!fn) throw new CliError(`${sub === undefined ? 'missing' : `unknown`} ${group} subcommand${sub ? ` '${sub}'` : ''}\n\n${help}`, 2);
    return fn(rest);
  };
}
