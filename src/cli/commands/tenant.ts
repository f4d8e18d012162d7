/** `berth tenant create|show|usage|limits|delete NAME` (operator token; show, usage and reading limits take the tenant's own). */
import { ApiClient, enc } from '../api-client.js';
import { emit, groupCommand, parse } from '../args.js';
import { CliError, type Command } from '../command.js';
import { parseSize } from '../../settings/units.js';

const HELP = `Usage: berth tenant create NAME [--json]
       berth tenant show NAME [--json]
       berth tenant usage NAME [--json]
       berth tenant limits NAME [--quota SIZE|unlimited|default] [--rate-limit N|unlimited|default] [--json]
       berth tenant delete NAME --yes [--force] [--json]

create makes a tenant (needs the operator token in BERTH_TOKEN). Names: 1-63 of [a-z0-9-].
show prints the tenant (name, creation time; any token of the tenant, or the operator's).
usage prints what the tenant stores (package bytes and count) and its quota (an admin token of
the tenant, or the operator's).
limits prints the quota and rate limit in force for the tenant; with --quota or --rate-limit
(operator only) it sets the tenant's own: SIZE like 50G, N requests per token per window,
unlimited for none, default for the server's setting.
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

/** `--quota` / `--rate-limit` as the API takes them. */
function limitValue(flag: string, text: string | undefined, number: (t: string) => number | null): number | 'unlimited' | 'default' | undefined {
  if (text === undefined) return undefined;
  if (text === 'unlimited' || text === 'default') return text;
  const n = number(text);
  if (n === null) throw new CliError(`${flag} takes ${flag === '--quota' ? 'a size such as 50G' : 'a number of requests'}, unlimited or default, not ${JSON.stringify(text)}`, 2);
  return n;
}

interface LimitsView {
  quotaBytes: number | null;
  rateLimit: { requests: number; windowSeconds: number } | null;
  overrides: { quotaBytes?: number | 'unlimited'; rateLimit?: number | 'unlimited' };
}

async function limits(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, { quota: { type: 'string' }, 'rate-limit': { type: 'string' } }, HELP);
  if (positionals.length !== 1) throw new CliError(`expected exactly one NAME\n\n${HELP}`, 2);
  const name = positionals[0]!;
  const quotaBytes = limitValue('--quota', values.quota, (t) => (/^0+$/.test(t.trim()) ? 0 : parseSize(t)));
  const rateLimit = limitValue('--rate-limit', values['rate-limit'], (t) => (/^\d+$/.test(t) && Number(t) > 0 && Number.isSafeInteger(Number(t)) ? Number(t) : null));
  const client = ApiClient.fromEnv();
  const path = `/api/v1/tenants/${enc(name)}/limits`;
  const change = { ...(quotaBytes === undefined ? {} : { quotaBytes }), ...(rateLimit === undefined ? {} : { rateLimit }) };
  const res = Object.keys(change).length === 0
    ? await client.request<LimitsView>({ method: 'GET', path })
    : await client.request<LimitsView>({ method: 'PATCH', path, json: change });
  const { quotaBytes: q, rateLimit: r, overrides: o } = res.body;
  const whose = (set: unknown) => (set === undefined ? 'server default' : 'set for this tenant');
  emit(values.json, res.body, [
    `tenant ${name}`,
    `  quota:      ${q === null ? 'none' : sized(q)} (${whose(o.quotaBytes)})`,
    `  rate limit: ${r === null ? 'none' : `${r.requests} requests per token per ${r.windowSeconds} s`} (${whose(o.rateLimit)})`,
  ].join('\n'));
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

export const tenantCommand: Command = groupCommand('tenant', 'create, show or delete a tenant; its usage and limits (service)', { create, show, usage, limits, delete: del }, HELP);
