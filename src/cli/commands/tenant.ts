/** `berth tenant create|show|usage|delete NAME` (operator token; show and usage take the tenant's own). */
import { ApiClient, enc } from '../api-client.js';
import { emit, groupCommand, parse } from '../args.js';
import { CliError, type Command } from '../command.js';

const HELP = `Usage: berth tenant create NAME [--json]
       berth tenant show NAME [--json]
       berth tenant usage NAME [--json]
       berth tenant delete NAME --yes [--force] [--json]

create makes a tenant (needs the operator token in BERTH_TOKEN). Names: 1-63 of [a-z0-9-].
show prints the tenant (name, creation time; any token of the tenant, or the operator's).
usage prints what the tenant stores (package bytes and count) and its quota (an admin token of
the tenant, or the operator's).
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

/** `1.5 MiB (1572864 bytes)`. */
function sized(bytes: number): string {
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = bytes;
  let unit = '';
  for (const u of units) {
    if (v < 1024) break;
    v /= 1024;
    unit = u;
  }
  return unit === '' ? `${bytes} bytes` : `${v.toFixed(1)} ${unit} (${bytes} bytes)`;
}

async function usage(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, {}, HELP);
  if (positionals.length !== 1) throw new CliError(`expected exactly one NAME\n\n${HELP}`, 2);
  const name = positionals[0]!;
  const res = await ApiClient.fromEnv().request<{ bytes: number; packages: number; quotaBytes: number | null }>({ method: 'GET', path: `/api/v1/tenants/${enc(name)}/usage` });
  const { bytes, packages, quotaBytes } = res.body;
  const quota = quotaBytes === null ? 'no quota' : `quota ${sized(quotaBytes)}, ${((100 * bytes) / Math.max(1, quotaBytes)).toFixed(1)} % used`;
  emit(values.json, res.body, `tenant ${name} stores ${packages} package${packages === 1 ? '' : 's'}, ${sized(bytes)}; ${quota}`);
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

export const tenantCommand: Command = groupCommand('tenant', 'create, show or delete a tenant; its usage (service)', { create, show, usage, delete: del }, HELP);
