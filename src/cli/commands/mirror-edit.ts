/** `berth mirror update|remove T/R`: change or drop a repository's mirror configuration. */
import { readFile } from 'node:fs/promises';
import { ApiClient, enc, splitRepo } from '../api-client.js';
import { emit, parse } from '../args.js';
import { CliError } from '../command.js';

export const MIRROR_EDIT_HELP = `       berth mirror update TENANT/REPO [--from URL] [--key FILE | --no-verify] [--include GLOB]...
                          [--exclude GLOB]... [--arch ARCH]... [--newest N] [--interval SECONDS]
                          [--concurrency N] [--json]
       berth mirror remove TENANT/REPO --yes [--json]`;

export const MIRROR_EDIT_TEXT = `'update' changes only the settings it is given (a list flag replaces that list; the mode stays).
'remove' stops mirroring: a filtered mirror's packages stay as ordinary packages, a complete
mirror's (upstream's) go with it; it asks for --yes.`;

function integer(flag: string, v: string | undefined, min: number): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) throw new CliError(`${flag} takes an integer >= ${min}, not '${v}'`, 2);
  return n;
}

export async function updateMirror(args: string[], help: string): Promise<number> {
  const { values, positionals } = parse(args, {
    from: { type: 'string' }, key: { type: 'string' }, 'no-verify': { type: 'boolean' },
    include: { type: 'string', multiple: true }, exclude: { type: 'string', multiple: true }, arch: { type: 'string', multiple: true },
    newest: { type: 'string' }, interval: { type: 'string' }, concurrency: { type: 'string' },
  }, help);
  if (positionals.length !== 1) throw new CliError(`expected TENANT/REPO\n\n${help}`, 2);
  if (values.key !== undefined && values['no-verify']) throw new CliError('--key and --no-verify contradict each other', 2);
  const { tenant, repo } = splitRepo(positionals[0]);
  let key: string | undefined;
  if (values.key !== undefined) {
    try {
      key = await readFile(values.key, 'utf8');
    } catch (e) {
      throw new CliError(`cannot read ${values.key}: ${(e as Error).message}`, 2);
    }
  }
  const patch = {
    ...(values.from !== undefined ? { from: values.from } : {}),
    ...(key !== undefined ? { key, verify: true } : {}),
    ...(values['no-verify'] ? { verify: false } : {}),
    ...(values.include !== undefined ? { include: values.include } : {}),
    ...(values.exclude !== undefined ? { exclude: values.exclude } : {}),
    ...(values.arch !== undefined ? { arches: values.arch } : {}),
    ...(values.newest !== undefined ? { newest: integer('--newest', values.newest, 1) } : {}),
    ...(values.interval !== undefined ? { intervalSeconds: integer('--interval', values.interval, 0) } : {}),
    ...(values.concurrency !== undefined ? { concurrency: integer('--concurrency', values.concurrency, 1) } : {}),
  };
  if (Object.keys(patch).length === 0) throw new CliError(`nothing to change\n\n${help}`, 2);
  const res = await ApiClient.fromEnv().request<{ from: string; mode: string }>({
    method: 'PATCH', path: `/api/v1/repos/${enc(tenant)}/${enc(repo!)}/mirror`, json: patch,
  });
  emit(values.json, res.body, `${tenant}/${repo} mirrors ${res.body.from} (${res.body.mode} mode); changed: ${Object.keys(patch).join(', ')}`);
  return 0;
}

export async function removeMirror(args: string[], help: string): Promise<number> {
  const { values, positionals } = parse(args, { yes: { type: 'boolean' } }, help);
  if (positionals.length !== 1) throw new CliError(`expected TENANT/REPO\n\n${help}`, 2);
  const { tenant, repo } = splitRepo(positionals[0]);
  if (!values.yes) {
    throw new CliError(`removing the mirror configuration of ${tenant}/${repo} stops mirroring (a complete mirror's packages go with it): repeat with --yes to confirm`, 2);
  }
  await ApiClient.fromEnv().request({ method: 'DELETE', path: `/api/v1/repos/${enc(tenant)}/${enc(repo!)}/mirror` });
  emit(values.json, { repo: `${tenant}/${repo}`, mirror: null }, `${tenant}/${repo} is no longer a mirror`);
  return 0;
}
