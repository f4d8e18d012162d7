/** `berth token create|revoke`: tenant API tokens. */
import { ApiClient, enc } from '../api-client.js';
import { emit, groupCommand, parse } from '../args.js';
import { CliError, type Command } from '../command.js';

const HELP = `Usage: berth token create TENANT --scope read|publish|admin [--repo R]... [--expires DURATION]
                          [--description TEXT] [--json]
       berth token revoke ID [--json]

create prints the secret once (with --json: fields "token" and "id"). admin implies publish
implies read; --repo (repeatable) limits the token to those repositories; --expires takes
seconds or 30m, 12h, 90d. revoke takes the token's public id and is effective at once.
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
  await ApiClient.fromEnv().request({ method: 'DELETE', path: `/api/v1/tokens/${enc(id)}` });
  emit(values.json, { id, revoked: true }, `revoked token ${id}`);
  return 0;
}

export const tokenCommand: Command = groupCommand('token', 'create or revoke API tokens (service)', { create, revoke }, HELP);
