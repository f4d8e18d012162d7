/** `berth retention show|set|apply T/R`: how many versions of each package a repository keeps. */
import { parseDuration } from '../../settings/units.js';
import { ApiClient, enc, splitRepo } from '../api-client.js';
import { emit, groupCommand, parse } from '../args.js';
import { CliError, type Command } from '../command.js';

const HELP = `Usage: berth retention show TENANT/REPO [--json]
       berth retention set TENANT/REPO [--keep N] [--max-age DURATION] [--json]
       berth retention set TENANT/REPO --none [--json]
       berth retention apply TENANT/REPO [--dry-run] [--keep N] [--max-age DURATION] [--json]

A retention policy keeps the newest N versions of each package name and arch (--keep), and/or
removes versions that entered the repository longer ago than DURATION (--max-age 90d, 12h,
3600), except the newest of each name and arch. It is applied after every push or promotion to
the names that changed; 'apply' runs it over the whole repository now, and with --dry-run only
lists what it would remove. --keep/--max-age on 'apply' try those rules instead of the stored
policy. Removed packages stay downloadable for clients holding older metadata, and in snapshots.
Environment: BERTH_URL (default http://127.0.0.1:8080), BERTH_TOKEN (admin scope; 'show': read).`;

interface Policy {
  keepNewest: number | null;
  maxAgeSeconds: number | null;
  updatedAt?: string | null;
}

interface Applied extends Policy {
  dryRun: boolean;
  removed: { nevra: string; sha256: string }[];
  revision: number;
}

const OPTIONS = { keep: { type: 'string' }, 'max-age': { type: 'string' } } as const;

function rulesOf(values: { keep?: string | undefined; 'max-age'?: string | undefined }): Policy | null {
  if (values.keep === undefined && values['max-age'] === undefined) return null;
  let keepNewest: number | null = null;
  if (values.keep !== undefined) {
    keepNewest = Number(values.keep);
    if (!Number.isInteger(keepNewest) || keepNewest < 1) throw new CliError(`--keep takes an integer >= 1, not '${values.keep}'`, 2);
  }
  let maxAgeSeconds: number | null = null;
  if (values['max-age'] !== undefined) {
    maxAgeSeconds = parseDuration(values['max-age']);
    if (maxAgeSeconds === null) throw new CliError(`--max-age takes a duration such as 90d, 12h or 3600, not '${values['max-age']}'`, 2);
  }
  return { keepNewest, maxAgeSeconds };
}

function describe(p: Policy): string {
  const parts = [
    ...(p.keepNewest !== null ? [`keeps the newest ${p.keepNewest} of each name and arch`] : []),
    ...(p.maxAgeSeconds !== null ? [`removes versions older than ${duration(p.maxAgeSeconds)} except the newest`] : []),
  ];
  return parts.length > 0 ? parts.join(', and ') : 'no retention policy (every version is kept)';
}

function duration(s: number): string {
  if (s % 86400 === 0) return `${s / 86400}d`;
  if (s % 3600 === 0) return `${s / 3600}h`;
  return `${s}s`;
}

function repoPath(arg: string | undefined): { label: string; path: string } {
  const { tenant, repo } = splitRepo(arg);
  return { label: `${tenant}/${repo!}`, path: `/api/v1/repos/${enc(tenant)}/${enc(repo!)}/retention` };
}

async function show(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, {}, HELP);
  if (positionals.length !== 1) throw new CliError(`expected TENANT/REPO\n\n${HELP}`, 2);
  const { label, path } = repoPath(positionals[0]);
  const res = await ApiClient.fromEnv().request<Policy>({ method: 'GET', path });
  emit(values.json, res.body, `${label}: ${describe(res.body)}`);
  return 0;
}

async function set(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, { ...OPTIONS, none: { type: 'boolean' } }, HELP);
  if (positionals.length !== 1) throw new CliError(`expected TENANT/REPO\n\n${HELP}`, 2);
  const rules = rulesOf(values);
  if ((rules === null) === !values.none) throw new CliError(`give --keep and/or --max-age, or --none to remove the policy\n\n${HELP}`, 2);
  const { label, path } = repoPath(positionals[0]);
  const res = await ApiClient.fromEnv().request<Policy>({ method: 'PUT', path, json: rules ?? { keepNewest: null, maxAgeSeconds: null } });
  emit(values.json, res.body, `${label}: ${describe(res.body)}`);
  return 0;
}

async function apply(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, { ...OPTIONS, 'dry-run': { type: 'boolean' } }, HELP);
  if (positionals.length !== 1) throw new CliError(`expected TENANT/REPO\n\n${HELP}`, 2);
  const rules = rulesOf(values);
  const { label, path } = repoPath(positionals[0]);
  const res = await ApiClient.fromEnv().request<Applied>({
    method: 'POST', path: `${path}/apply`, json: { dryRun: Boolean(values['dry-run']), ...(rules ? { rules } : {}) },
  });
  const b = res.body;
  const verb = b.dryRun ? 'would remove' : 'removed';
  const lines = [
    `${label}: ${describe(b)}; ${verb} ${b.removed.length} package${b.removed.length === 1 ? '' : 's'}${b.dryRun ? '' : ` (revision ${b.revision})`}`,
    ...b.removed.map((p) => `  ${p.nevra}  ${p.sha256}`),
  ];
  emit(values.json, b, lines.join('\n'));
  return 0;
}

export const retentionCommand: Command = groupCommand('retention', 'keep the newest versions of each package (service)', { show, set, apply }, HELP);
