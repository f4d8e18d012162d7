/** `berth tenant create NAME` (operator token). */
import { ApiClient, enc } from '../api-client.js';
import { emit, parse, subcommand } from '../args.js';
import { CliError, type Command } from '../command.js';

const HELP = `Usage: berth tenant create NAME [--json]

Creates a tenant (needs the operator token in BERTH_TOKEN). Names: 1-63 of [a-z0-9-].
Environment: BERTH_URL (default http://127.0.0.1:8080), BERTH_TOKEN.`;

async function create(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, {}, HELP);
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  if (positionals.length !== 1) throw new CliError(`expected exactly one NAME\n\n${HELP}`, 2);
  const name = positionals[0]!;
  const res = await ApiClient.fromEnv().request({ method: 'POST', path: '/api/v1/tenants', json: { name } });
  emit(values.json, res.body, `created tenant ${name}`);
  return 0;
}

async function show(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, {}, HELP);
  if (positionals.length !== 1) throw new CliError(`expected exactly one NAME\n\n${HELP}`, 2);
  const res = await ApiClient.fromEnv().request({ method: 'GET', path: `/api/v1/tenants/${enc(positionals[0]!)}` });
  emit(values.json, res.body, JSON.stringify(res.body, null, 2));
  return 0;
}

export const tenantCommand: Command = {
  summary: 'create or show a tenant (service)',
  run: subcommand('tenant', { create, show }, HELP),
};
