/** `berth groups|modules set|show|delete T/R [FILE]`: a repo's package groups (comps) and modules. */
import { readFile } from 'node:fs/promises';
import { ApiClient, enc, splitRepo } from '../api-client.js';
import { emit, groupCommand, parse } from '../args.js';
import { CliError, type Command } from '../command.js';

interface Kind {
  name: 'groups' | 'modules';
  file: string;
  contentType: string;
  summary: string;
}

const KINDS: Record<'groups' | 'modules', Kind> = {
  groups: { name: 'groups', file: 'comps.xml', contentType: 'application/xml', summary: 'publish package groups (comps) for dnf group install (service)' },
  modules: { name: 'modules', file: 'modules.yaml', contentType: 'application/yaml', summary: 'publish modules metadata (modules.yaml) (service)' },
};

const help = (k: Kind): string => `Usage: berth ${k.name} set TENANT/REPO FILE [--json]
       berth ${k.name} show TENANT/REPO
       berth ${k.name} delete TENANT/REPO --yes [--json]

${k.name === 'groups'
    ? 'FILE is a comps document (<comps> with <group>, <category>, <environment>), as createrepo_c\'s\n--groupfile takes it; dnf reads it for "dnf group list" and "dnf group install".'
    : 'FILE is modules.yaml: modulemd (v1, v2), modulemd-defaults, modulemd-obsoletes and\nmodulemd-translations documents; dnf reads it for "dnf module list" and "dnf module install".\nIt is checked as dnf reads it: a refused document is 422 invalid_modules, naming the document\nand the field.'}
The document replaces the repo's previous one and is listed in repomd.xml with the next metadata.
Environment: BERTH_URL (default http://127.0.0.1:8080), BERTH_TOKEN (set/delete: publish scope;
show: read).`;

interface Change {
  revision: number;
  changed: boolean;
  groups?: string[];
  documents?: { modulemd: number; defaults: number; obsoletes: number; translations: number };
}

function commands(k: Kind): Command {
  const HELP = help(k);
  const target = (positionals: string[], count: number): { tenant: string; repo: string; path: string } => {
    if (positionals.length !== count) throw new CliError(`expected TENANT/REPO${count === 2 ? ' FILE' : ''}\n\n${HELP}`, 2);
    const { tenant, repo } = splitRepo(positionals[0]);
    return { tenant, repo: repo!, path: `/api/v1/repos/${enc(tenant)}/${enc(repo!)}/${k.name}` };
  };
  const said = (t: { tenant: string; repo: string }, c: Change): string =>
    c.changed ? `${k.name} of ${t.tenant}/${t.repo} updated (revision ${c.revision}${c.groups ? `; groups: ${c.groups.join(', ') || 'none'}` : ''}${c.documents ? `; module streams: ${c.documents.modulemd}` : ''})` : `${k.name} of ${t.tenant}/${t.repo} unchanged`;

  async function set(args: string[]): Promise<number> {
    const { values, positionals } = parse(args, {}, HELP);
    const t = target(positionals, 2);
    let text: string;
    try {
      text = await readFile(positionals[1]!, 'utf8');
    } catch (e) {
      throw new CliError(`cannot read ${positionals[1]!}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`, 2);
    }
    const res = await ApiClient.fromEnv().request<Change>({ method: 'PUT', path: t.path, body: text, contentType: k.contentType });
    emit(values.json, res.body, said(t, res.body));
    return 0;
  }
  async function show(args: string[]): Promise<number> {
    const { positionals } = parse(args, {}, HELP);
    const t = target(positionals, 1);
    const res = await ApiClient.fromEnv().request<string>({ method: 'GET', path: t.path });
    process.stdout.write(typeof res.body === 'string' ? res.body : JSON.stringify(res.body));
    return 0;
  }
  async function remove(args: string[]): Promise<number> {
    const { values, positionals } = parse(args, { yes: { type: 'boolean' } }, HELP);
    const t = target(positionals, 1);
    if (!values.yes) throw new CliError(`deleting the ${k.name} of ${t.tenant}/${t.repo} takes them out of its metadata: add --yes`, 2);
    const res = await ApiClient.fromEnv().request<Change>({ method: 'DELETE', path: t.path });
    emit(values.json, res.body, said(t, res.body));
    return 0;
  }
  return groupCommand(k.name, k.summary, { set, show, delete: remove }, HELP);
}

export const groupsCommand: Command = commands(KINDS.groups);
export const modulesCommand: Command = commands(KINDS.modules);
