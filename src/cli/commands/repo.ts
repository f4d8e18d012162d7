/** `berth repo create|list|show|update|delete` (tenant admin token; read for list and show). */
import { ApiClient, enc, splitRepo } from '../api-client.js';
import { emit, groupCommand, parse } from '../args.js';
import { CliError, type Command } from '../command.js';

const HELP = `Usage: berth repo create TENANT/REPO [--public] [--allow-unsigned] [--description TEXT] [--json]
       berth repo list TENANT [--json]
       berth repo show TENANT/REPO [--json]
       berth repo update TENANT/REPO [--public | --private] [--allow-unsigned | --require-signed]
                                     [--description TEXT] [--json]
       berth repo delete TENANT/REPO --yes [--json]

create makes a repository. Private unless --public (anonymous dnf reads); packages must carry a
signature from a trusted key unless --allow-unsigned. Each repository gets its own metadata
signing key, served at <url>/TENANT/REPO/repodata/repomd.xml.key.
update changes only what it is given (--description '' removes the description).
delete removes the repository with its packages, metadata and mirror configuration; it asks for
--yes, and cannot be undone.
Environment: BERTH_URL (default http://127.0.0.1:8080), BERTH_TOKEN (admin scope; read for list
and show).`;

interface RepoBody {
  tenant?: string;
  name?: string;
  public?: boolean;
  allowUnsigned?: boolean;
  description?: string;
  createdAt?: string;
  metadataKey?: { fingerprint?: string };
}

async function create(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, { public: { type: 'boolean' }, 'allow-unsigned': { type: 'boolean' }, description: { type: 'string' } }, HELP);
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  if (positionals.length !== 1) throw new CliError(`expected exactly one TENANT/REPO\n\n${HELP}`, 2);
  const { tenant, repo } = splitRepo(positionals[0]);
  const res = await ApiClient.fromEnv().request<RepoBody>({
    method: 'POST',
    path: `/api/v1/tenants/${enc(tenant)}/repos`,
    json: { name: repo, public: Boolean(values.public), allowUnsigned: Boolean(values['allow-unsigned']), ...(values.description ? { description: values.description } : {}) },
  });
  const b = res.body;
  emit(values.json, b, `created ${b.public ? 'public' : 'private'} repo ${tenant}/${repo}` +
    (b.metadataKey?.fingerprint ? ` (metadata key ${b.metadataKey.fingerprint})` : ''));
  return 0;
}

async function list(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, {}, HELP);
  if (positionals.length !== 1) throw new CliError(`expected exactly one TENANT\n\n${HELP}`, 2);
  const res = await ApiClient.fromEnv().request<unknown>({ method: 'GET', path: `/api/v1/tenants/${enc(positionals[0]!)}/repos` });
  const items = (Array.isArray(res.body) ? res.body : ((res.body as { repos?: unknown[] }).repos ?? [])) as RepoBody[];
  emit(values.json, res.body, items.map((r) => `${r.name ?? '?'}\t${r.public ? 'public' : 'private'}`).join('\n'));
  return 0;
}

function describe(b: RepoBody): string {
  return [
    `${b.tenant ?? '?'}/${b.name ?? '?'}: ${b.public ? 'public' : 'private'}, ${b.allowUnsigned ? 'unsigned packages accepted' : 'signed packages only'}`,
    ...(b.description ? [`description: ${b.description}`] : []),
    `created ${b.createdAt ?? '?'}; metadata key ${b.metadataKey?.fingerprint ?? '?'}`,
  ].join('\n');
}

async function show(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, {}, HELP);
  if (positionals.length !== 1) throw new CliError(`expected exactly one TENANT/REPO\n\n${HELP}`, 2);
  const { tenant, repo } = splitRepo(positionals[0]);
  const res = await ApiClient.fromEnv().request<RepoBody>({ method: 'GET', path: `/api/v1/repos/${enc(tenant)}/${enc(repo!)}` });
  emit(values.json, res.body, describe(res.body));
  return 0;
}

/** One of two opposite flags, or neither; both is a usage error. */
function either(values: Record<string, unknown>, yes: string, no: string): boolean | undefined {
  if (values[yes] && values[no]) throw new CliError(`--${yes} and --${no} contradict each other`, 2);
  return values[yes] ? true : values[no] ? false : undefined;
}

async function update(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, {
    public: { type: 'boolean' }, private: { type: 'boolean' }, 'allow-unsigned': { type: 'boolean' }, 'require-signed': { type: 'boolean' },
    description: { type: 'string' },
  }, HELP);
  if (positionals.length !== 1) throw new CliError(`expected exactly one TENANT/REPO\n\n${HELP}`, 2);
  const { tenant, repo } = splitRepo(positionals[0]);
  const visibility = either(values, 'public', 'private');
  const unsigned = either(values, 'allow-unsigned', 'require-signed');
  const patch = {
    ...(visibility !== undefined ? { public: visibility } : {}),
    ...(unsigned !== undefined ? { allowUnsigned: unsigned } : {}),
    ...(values.description !== undefined ? { description: values.description === '' ? null : values.description } : {}),
  };
  if (Object.keys(patch).length === 0) throw new CliError(`nothing to change: give --public/--private, --allow-unsigned/--require-signed or --description\n\n${HELP}`, 2);
  const res = await ApiClient.fromEnv().request<RepoBody>({ method: 'PATCH', path: `/api/v1/repos/${enc(tenant)}/${enc(repo!)}`, json: patch });
  emit(values.json, res.body, describe(res.body));
  return 0;
}

async function del(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, { yes: { type: 'boolean' } }, HELP);
  if (positionals.length !== 1) throw new CliError(`expected exactly one TENANT/REPO\n\n${HELP}`, 2);
  const { tenant, repo } = splitRepo(positionals[0]);
  if (!values.yes) {
    throw new CliError(`deleting ${tenant}/${repo} removes all its packages and metadata and cannot be undone: repeat with --yes to confirm`, 2);
  }
  const res = await ApiClient.fromEnv().request<{ complete?: boolean; detail?: string } | null>({ method: 'DELETE', path: `/api/v1/repos/${enc(tenant)}/${enc(repo!)}` });
  const complete = res.status === 204;
  emit(values.json, { repo: `${tenant}/${repo}`, deleted: true, complete }, complete ? `deleted ${tenant}/${repo}` : (res.body?.detail ?? `deleted ${tenant}/${repo} (cleanup continues)`));
  return 0;
}

export const repoCommand: Command = groupCommand('repo', 'create, list, show, change or delete repositories (service)', { create, list, show, update, delete: del }, HELP);
