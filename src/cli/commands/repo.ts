/** `berth repo create T/R [--public] [--allow-unsigned]` (tenant admin token). */
import { ApiClient, enc, splitRepo } from '../api-client.js';
import { emit, groupCommand, parse } from '../args.js';
import { CliError, type Command } from '../command.js';

const HELP = `Usage: berth repo create TENANT/REPO [--public] [--allow-unsigned] [--json]
       berth repo list TENANT [--json]

Creates a repository. Private unless --public (anonymous dnf reads); packages must carry a
signature from a trusted key unless --allow-unsigned. Each repository gets its own metadata
signing key, served at <url>/TENANT/REPO/repodata/repomd.xml.key.
Environment: BERTH_URL (default http://127.0.0.1:8080), BERTH_TOKEN (admin scope).`;

interface RepoBody {
  tenant?: string;
  name?: string;
  public?: boolean;
  allowUnsigned?: boolean;
  metadataKey?: { fingerprint?: string };
}

async function create(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, { public: { type: 'boolean' }, 'allow-unsigned': { type: 'boolean' } }, HELP);
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  if (positionals.length !== 1) throw new CliError(`expected exactly one TENANT/REPO\n\n${HELP}`, 2);
  const { tenant, repo } = splitRepo(positionals[0]);
  const res = await ApiClient.fromEnv().request<RepoBody>({
    method: 'POST',
    path: `/api/v1/tenants/${enc(tenant)}/repos`,
    json: { name: repo, public: Boolean(values.public), allowUnsigned: Boolean(values['allow-unsigned']) },
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

export const repoCommand: Command = groupCommand('repo', 'create or list repositories (service)', { create, list }, HELP);
