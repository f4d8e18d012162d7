/** The shape every CLI command module exports, and the error that means "print and exit". */
export interface Command {
  summary: string;
  run(args: string[]): Promise<number>;
  /** The full help text (`berth <command> --help`), for commands that expose it. */
  help?: string;
  /** Names of the subcommands, for `berth <group> <sub>` commands. */
  subcommands?: readonly string[];
}

/** A user-facing failure: printed as one line without a stack trace. Exit 2 = usage error. */
export class CliError extends Error {
  override name = 'CliError';
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
  }
}
