/** `berth tenant create|show|delete NAME` (operator token; show takes any of the tenant's). */
import { ApiClient, enc } from '../api-client.js';
import { emit, groupCommand, parse } from '../args.js';
import { CliError, type Command } from '../command.js';

const HELP = `Usage: berth tenant create NAME [--json]
       berth tenant show NAME [--json]
       berth tenant delete NAME --yes [--force] [--json]

create makes a tenant (needs the operator token in BERTH_TOKEN). Names: 1-63 of [a-z0-9-].
show prints the tenant (name, creation time; any token of the tenant, or the operator's).
delete removes the tenant and revokes its tokens (operator only; asks for --yes). It is refused
while the tenant has repositories, unless --force, which deletes them with it.
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
  const res = await ApiClient.fromEnv().request<{ name?: string; createdAt?: string }>({ method: 'GET', path: `/api/v1/tenants/${enc(positionals[0]!)}` });
  emit(values.json, res.body, `tenant ${res.body.name ?? positionals[0]!}, created ${res.body.createdAt ?? '?'}`);
  return 0;
}

async function del(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, { yes: { type: 'boolean' }, force: { type: 'boolean' } }, HELP);
  if (positionals.length !== 1) throw new CliError(`expected exactly one NAME\n\n${HELP}`, 2);
  const name = positionals[0]!;
  if (!values.yes) {
    throw new CliError(`deleting tenant ${name} revokes its tokens${values.force ? ' and deletes all its repositories' : ''} and cannot be undone: repeat with --yes to confirm`, 2);
  }
  const res = await ApiClient.fromEnv().request<{ detail?: string } | null>({ method: 'DELETE', path: `/api/v1/tenants/${enc(name)}${values.force ? '?force=1' : ''}` });
  const complete = res.status === 204;
  emit(values.json, { tenant: name, deleted: true, complete }, complete ? `deleted tenant ${name}` : (res.body?.detail ?? `deleted tenant ${name} (cleanup continues)`));
  return 0;
}

export const tenantCommand: Command = groupCommand('tenant', 'create, show or delete a tenant (service)', { create, show, delete: del }, HELP);
