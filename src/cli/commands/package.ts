/** `berth package list|delete T/R …`: what a repository holds, and removing one package. */
import { ApiClient, enc, splitRepo } from '../api-client.js';
import { emit, groupCommand, parse } from '../args.js';
import { CliError, type Command } from '../command.js';

const HELP = `Usage: berth package list TENANT/REPO [--name NAME] [--arch ARCH] [--limit N] [--json]
       berth package delete TENANT/REPO PACKAGE [--json]

list prints the packages of a repository (NEVRA, the first 12 digits of the sha256, size),
optionally only those of one name and/or arch; --limit stops after N. delete removes one
package, named by its sha256, a unique prefix of it (at least 6 hex digits, such as the 12
'berth push' prints) or its NEVRA (name-[epoch:]version-release.arch); a prefix that matches
several packages is refused with the candidates. Metadata is regenerated within moments; the
file stays downloadable for clients of older metadata until garbage collection.
Environment: BERTH_URL (default http://127.0.0.1:8080), BERTH_TOKEN (read scope for list,
publish for delete).`;

interface Entry {
  sha256: string;
  name: string;
  epoch: number;
  version: string;
  release: string;
  arch: string;
  size: number;
  location: string;
}

interface Page {
  revision: number;
  count: number;
  packages: Entry[];
  next: string | null;
}

const nevra = (e: Entry): string => `${e.name}-${e.epoch ? `${e.epoch}:` : ''}${e.version}-${e.release}.${e.arch}`;

async function list(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, { name: { type: 'string' }, arch: { type: 'string' }, limit: { type: 'string' } }, HELP);
  if (positionals.length !== 1) throw new CliError(`expected exactly one TENANT/REPO\n\n${HELP}`, 2);
  const { tenant, repo } = splitRepo(positionals[0]);
  const limit = values.limit === undefined ? Infinity : Number(values.limit);
  if (limit !== Infinity && (!Number.isInteger(limit) || limit < 1)) throw new CliError(`--limit takes a positive integer, not '${values.limit}'`, 2);
  const client = ApiClient.fromEnv();
  const packages: Entry[] = [];
  let after: string | null = null;
  let first: Page | undefined;
  do {
    const q = new URLSearchParams();
    if (values.name !== undefined) q.set('name', values.name);
    if (values.arch !== undefined) q.set('arch', values.arch);
    q.set('limit', String(Math.min(1000, limit - packages.length)));
    if (after !== null) q.set('after', after);
    const page: Page = (await client.request<Page>({ method: 'GET', path: `/api/v1/repos/${enc(tenant)}/${enc(repo!)}/packages?${q}` })).body;
    first ??= page;
    packages.push(...page.packages);
    after = page.next;
  } while (after !== null && packages.length < limit);
  const out = packages.slice(0, limit === Infinity ? undefined : limit);
  emit(values.json, { revision: first?.revision ?? 0, count: first?.count ?? 0, packages: out },
    out.map((p) => `${nevra(p)}\t${p.sha256.slice(0, 12)}\t${p.size}`).join('\n'));
  return 0;
}

async function del(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, {}, HELP);
  if (positionals.length !== 2) throw new CliError(`expected TENANT/REPO PACKAGE\n\n${HELP}`, 2);
  const { tenant, repo } = splitRepo(positionals[0]);
  const res = await ApiClient.fromEnv().request<Entry & { nevra: string; revision: number }>({
    method: 'DELETE', path: `/api/v1/repos/${enc(tenant)}/${enc(repo!)}/packages/${enc(positionals[1]!)}`,
  });
  emit(values.json, res.body, `deleted ${res.body.nevra} (${res.body.sha256}) from ${tenant}/${repo}`);
  return 0;
}

export const packageCommand: Command = groupCommand('package', 'list or delete the packages of a repository (service)', { list, delete: del }, HELP);
