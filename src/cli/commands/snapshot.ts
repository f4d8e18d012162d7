/** `berth snapshot create|list|show|delete T/R [NAME]`: frozen copies of a repository dnf can pin. */
import { ApiClient, enc, splitRepo } from '../api-client.js';
import { emit, groupCommand, parse } from '../args.js';
import { CliError, type Command } from '../command.js';

const HELP = `Usage: berth snapshot create TENANT/REPO NAME [--json]
       berth snapshot list TENANT/REPO [--json]
       berth snapshot show TENANT/REPO NAME [--json]
       berth snapshot delete TENANT/REPO NAME --yes [--json]

A snapshot freezes what the repository serves now — metadata, signature and packages — under
NAME (1-63 chars of a-z 0-9 . _ -, e.g. 2025-06-01). dnf reads it at
<url>/TENANT/REPO/snapshots/NAME/ exactly as it was, whatever is pushed, deleted or pruned
later, until the snapshot is deleted (a ready .repo file: .../snapshots/NAME/config.repo).
Environment: BERTH_URL (default http://127.0.0.1:8080), BERTH_TOKEN (create: publish scope;
delete: admin; list/show: read).`;

interface Snapshot {
  name: string;
  createdAt: string;
  revision: number;
  packages: number;
  path: string;
}

function target(positionals: string[], withName: boolean): { tenant: string; repo: string; name?: string; path: string } {
  if (positionals.length !== (withName ? 2 : 1)) throw new CliError(`expected TENANT/REPO${withName ? ' NAME' : ''}\n\n${HELP}`, 2);
  const { tenant, repo } = splitRepo(positionals[0]);
  const path = `/api/v1/repos/${enc(tenant)}/${enc(repo!)}/snapshots`;
  return withName ? { tenant, repo: repo!, name: positionals[1]!, path } : { tenant, repo: repo!, path };
}

const line = (s: Snapshot): string => `${s.name}\trevision ${s.revision}\t${s.packages} package${s.packages === 1 ? '' : 's'}\t${s.createdAt}\t${s.path}`;

async function create(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, {}, HELP);
  const t = target(positionals, true);
  const res = await ApiClient.fromEnv().request<Snapshot>({ method: 'POST', path: t.path, json: { name: t.name } });
  const s = res.body;
  emit(values.json, s, `snapshot ${s.name} of ${t.tenant}/${t.repo}: revision ${s.revision}, ${s.packages} package${s.packages === 1 ? '' : 's'}, served at ${s.path}`);
  return 0;
}

async function list(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, {}, HELP);
  const t = target(positionals, false);
  const res = await ApiClient.fromEnv().request<{ snapshots: Snapshot[] }>({ method: 'GET', path: t.path });
  emit(values.json, res.body, res.body.snapshots.length === 0 ? `${t.tenant}/${t.repo} has no snapshots` : res.body.snapshots.map(line).join('\n'));
  return 0;
}

async function show(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, {}, HELP);
  const t = target(positionals, true);
  const res = await ApiClient.fromEnv().request<Snapshot>({ method: 'GET', path: `${t.path}/${enc(t.name!)}` });
  emit(values.json, res.body, line(res.body));
  return 0;
}

async function remove(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, { yes: { type: 'boolean' } }, HELP);
  const t = target(positionals, true);
  if (!values.yes) throw new CliError(`deleting snapshot ${t.name} of ${t.tenant}/${t.repo} cannot be undone: add --yes`, 2);
  const res = await ApiClient.fromEnv().request<Snapshot>({ method: 'DELETE', path: `${t.path}/${enc(t.name!)}` });
  emit(values.json, res.body, `deleted snapshot ${res.body.name} of ${t.tenant}/${t.repo}`);
  return 0;
}

export const snapshotCommand: Command = groupCommand('snapshot', 'freeze a repository under a name dnf can pin (service)', { create, list, show, delete: remove }, HELP);
