/** `berth advisory add|list|show|delete T/R …`: security and bugfix advisories (updateinfo). */
import { readFile } from 'node:fs/promises';
import { ApiClient, enc, splitRepo } from '../api-client.js';
import { emit, groupCommand, parse } from '../args.js';
import { CliError, type Command } from '../command.js';

const HELP = `Usage: berth advisory add TENANT/REPO FILE [--replace] [--allow-unknown-packages] [--json]
       berth advisory list TENANT/REPO [--type security|bugfix|enhancement|newpackage] [--json]
       berth advisory show TENANT/REPO ID [--json]
       berth advisory delete TENANT/REPO ID --yes [--json]

Advisories (errata) say which package versions fix what; dnf and tdnf read them from the repo's
updateinfo.xml (dnf updateinfo list --security, dnf upgrade --security). FILE is updateinfo XML
(one or more <update> elements, .xml) or JSON (one advisory, or {"advisories": [...]}, .json).
Every package an advisory names must be in the repo (push it first) unless
--allow-unknown-packages. The same advisory again changes nothing; a different one under an id
already taken is refused unless --replace, which also moves its updated date forward.
Environment: BERTH_URL (default http://127.0.0.1:8080), BERTH_TOKEN (add/delete: publish scope;
list/show: read).`;

interface Change {
  results: { id: string; outcome: string }[];
  revision: number;
}
interface Summary {
  id: string;
  type: string;
  title: string;
  severity?: string;
  issued: string;
  updated?: string;
  packages: string[];
}

function target(positionals: string[], count: number, what: string): { tenant: string; repo: string; arg?: string; path: string } {
  if (positionals.length !== count) throw new CliError(`expected TENANT/REPO${what}\n\n${HELP}`, 2);
  const { tenant, repo } = splitRepo(positionals[0]);
  const path = `/api/v1/repos/${enc(tenant)}/${enc(repo!)}/advisories`;
  return count === 2 ? { tenant, repo: repo!, arg: positionals[1]!, path } : { tenant, repo: repo!, path };
}

const changed = (c: Change): string =>
  c.results.map((r) => `${r.id}: ${r.outcome}`).join('\n') + `\n(revision ${c.revision}; dnf sees it with the next metadata)`;

async function add(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, { replace: { type: 'boolean' }, 'allow-unknown-packages': { type: 'boolean' } }, HELP);
  const t = target(positionals, 2, ' FILE');
  let text: string;
  try {
    text = await readFile(t.arg!, 'utf8');
  } catch (e) {
    throw new CliError(`cannot read ${t.arg!}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`, 2);
  }
  const json = /\.json$/i.test(t.arg!) || /^\s*[[{]/.test(text);
  const query = [values.replace ? 'replace=1' : '', values['allow-unknown-packages'] ? 'allowUnknownPackages=1' : ''].filter((q) => q !== '').join('&');
  const res = await ApiClient.fromEnv().request<Change>({
    method: 'POST', path: `${t.path}${query ? `?${query}` : ''}`, body: text, contentType: json ? 'application/json' : 'application/xml',
  });
  emit(values.json, res.body, changed(res.body));
  return 0;
}

const line = (a: Summary): string => `${a.id}\t${a.type}\t${a.severity ?? '-'}\t${a.issued}\t${a.title}\t${a.packages.join(' ')}`;

async function list(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, { type: { type: 'string' } }, HELP);
  const t = target(positionals, 1, '');
  const res = await ApiClient.fromEnv().request<{ advisories: Summary[] }>({ method: 'GET', path: `${t.path}${values.type ? `?type=${enc(values.type)}` : ''}` });
  emit(values.json, res.body, res.body.advisories.length === 0 ? `${t.tenant}/${t.repo} has no advisories` : res.body.advisories.map(line).join('\n'));
  return 0;
}

async function show(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, {}, HELP);
  const t = target(positionals, 2, ' ID');
  const res = await ApiClient.fromEnv().request<Record<string, unknown>>({ method: 'GET', path: `${t.path}/${enc(t.arg!)}` });
  emit(values.json, res.body, JSON.stringify(res.body, null, 2));
  return 0;
}

async function remove(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, { yes: { type: 'boolean' } }, HELP);
  const t = target(positionals, 2, ' ID');
  if (!values.yes) throw new CliError(`deleting advisory ${t.arg!} of ${t.tenant}/${t.repo} takes it out of updateinfo.xml: add --yes`, 2);
  const res = await ApiClient.fromEnv().request<Change>({ method: 'DELETE', path: `${t.path}/${enc(t.arg!)}` });
  emit(values.json, res.body, changed(res.body));
  return 0;
}

export const advisoryCommand: Command = groupCommand('advisory', 'publish security and bugfix advisories (updateinfo) (service)', { add, list, show, delete: remove }, HELP);
