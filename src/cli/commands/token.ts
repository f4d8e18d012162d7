/** `berth token create|revoke`: tenant API tokens. */
import { ApiClient, enc } from '../api-client.js';
import { emit, groupCommand, parse } from '../args.js';
import { CliError, type Command } from '../command.js';

const HELP = `Usage: berth token create TENANT --scope read|publish|admin [--repo R]... [--expires DURATION]
                          [--description TEXT] [--json]
       berth token list TENANT [--json]
       berth token revoke ID [--json]

create prints the secret once (with --json: fields "token" and "id"). admin implies publish
implies read; --repo (repeatable) limits the token to those (existing) repositories; --expires
takes seconds or 30m, 12h, 90d. list shows every token of the tenant — id, scopes, repos,
created, expires, last used (to the hour) — never a secret. revoke takes the token's public id
(the ID in berth_ID_…) and is effective at once; it refuses a whole token without sending it.
Environment: BERTH_URL (default http://127.0.0.1:8080), BERTH_TOKEN (admin scope).`;

const SCOPES = ['read', 'publish', 'admin'] as const;

interface Created {
  id: string;
  token: string;
  scopes?: string[];
  repos?: string[] | null;
  expiresAt?: string | null;
}

async function create(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, {
    scope: { type: 'string', multiple: true },
    repo: { type: 'string', multiple: true },
    expires: { type: 'string' },
    description: { type: 'string' },
  }, HELP);
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  if (positionals.length !== 1) throw new CliError(`expected exactly one TENANT\n\n${HELP}`, 2);
  const scopes = values.scope ?? [];
  if (scopes.length === 0) throw new CliError(`--scope is required\n\n${HELP}`, 2);
  for (const s of scopes) {
    if (!(SCOPES as readonly string[]).includes(s)) throw new CliError(`--scope must be read, publish or admin, not '${s}'`, 2);
  }
  let expiresIn: string | undefined;
  if (values.expires !== undefined) {
    // The API takes `<n><s|m|h|d>`; bare seconds are accepted here for convenience.
    const m = /^([1-9]\d*)([smhd]?)$/.exec(values.expires.trim());
    if (!m) throw new CliError(`--expires takes seconds or a duration like 30m, 12h or 90d, not '${values.expires}'`, 2);
    expiresIn = `${m[1]}${m[2] || 's'}`;
  }
  const res = await ApiClient.fromEnv().request<Created>({
    method: 'POST',
    path: `/api/v1/tenants/${enc(positionals[0]!)}/tokens`,
    json: {
      scopes,
      ...(values.repo ? { repos: values.repo } : {}),
      ...(expiresIn !== undefined ? { expiresIn } : {}),
      ...(values.description !== undefined ? { description: values.description } : {}),
    },
  });
  const t = res.body;
  if (!values.json) {
    // The secret alone on stdout (TOKEN=$(berth token create …)); the rest is for the reader.
    console.error(`token ${t.id}: ${scopes.join(',')}` +
      `${t.repos ? ` on ${t.repos.join(',')}` : ''}${t.expiresAt ? `, expires ${t.expiresAt}` : ''} — shown once, store it now`);
  }
  emit(values.json, t, t.token);
  return 0;
}

async function revoke(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, {}, HELP);
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  if (positionals.length !== 1) throw new CliError(`expected exactly one token ID\n\n${HELP}`, 2);
  const id = positionals[0]!;
  if (id.startsWith('berth_')) {
    // The secret would travel in the URL path (and into access logs): never send it.
    const publicId = /^berth_([a-z2-7]{12})_/.exec(id)?.[1];
    throw new CliError(`that is a whole token (a secret), not its id: nothing was sent. ${publicId ? `Its id is ${publicId}: berth token revoke ${publicId}` : 'The id is the part between berth_ and the next _'}; treat the secret as exposed (shell history)`, 2);
  }
  if (!/^[a-z2-7]{12}$/.test(id)) throw new CliError(`a token id is 12 characters of a-z and 2-7, not ${JSON.stringify(id.slice(0, 20))}\n\n${HELP}`, 2);
  await ApiClient.fromEnv().request({ method: 'DELETE', path: `/api/v1/tokens/${enc(id)}` });
  emit(values.json, { id, revoked: true }, `revoked token ${id}`);
  return 0;
}

interface Listed {
  id: string;
  scopes: string[];
  repos: string[] | null;
  createdAt: string;
  expiresAt: string | null;
  lastUsedAt?: string | null;
  description?: string;
}

async function list(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, {}, HELP);
  if (positionals.length !== 1) throw new CliError(`expected exactly one TENANT\n\n${HELP}`, 2);
  const res = await ApiClient.fromEnv().request<{ tokens: Listed[] }>({ method: 'GET', path: `/api/v1/tenants/${enc(positionals[0]!)}/tokens` });
  const rows = res.body.tokens.map((t) => [
    t.id, t.scopes.join(','), t.repos ? t.repos.join(',') : '*', t.createdAt, t.expiresAt ?? 'never', t.lastUsedAt ?? 'never', t.description ?? '',
  ].join('\t'));
  emit(values.json, res.body, ['ID\tSCOPES\tREPOS\tCREATED\tEXPIRES\tLAST USED\tDESCRIPTION', ...rows].join('\n'));
  return 0;
}

export const tokenCommand: Command = groupCommand('token', 'create, list or revoke API tokens (service)', { create, list, revoke }, HELP);
