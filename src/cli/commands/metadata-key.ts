/** `berth metadata-key list|add|use|retire T/R [FINGERPRINT]`: rotate the key that signs a repository's metadata. */
import { ApiClient, enc, splitRepo } from '../api-client.js';
import { emit, groupCommand, parse } from '../args.js';
import { CliError, type Command } from '../command.js';

const HELP = `Usage: berth metadata-key list TENANT/REPO [--json]
       berth metadata-key add TENANT/REPO [--json]
       berth metadata-key use TENANT/REPO FINGERPRINT [--json]
       berth metadata-key retire TENANT/REPO FINGERPRINT --yes [--json]

Rotates the key that signs a repository's metadata (repomd.xml) without breaking a client:
  1. add      a new key, published in repodata/repomd.xml.key beside the current one;
              clients that fetch that URL (the served config.repo does) import it on their
              next metadata refresh. Wait for every client to refresh (dnf's metadata_expire).
  2. use      sign with the new key from now on (the metadata is signed again at once).
  3. retire   the old key: no longer published, its secret deleted.
Environment: BERTH_URL (default http://127.0.0.1:8080), BERTH_TOKEN (admin scope; list: read).`;

interface Key {
  fingerprint: string;
  algorithm: string;
  createdAt: string;
  signing: boolean;
}

function target(positionals: string[], withFpr: boolean): { label: string; path: string; fpr?: string } {
  if (positionals.length !== (withFpr ? 2 : 1)) throw new CliError(`expected TENANT/REPO${withFpr ? ' FINGERPRINT' : ''}\n\n${HELP}`, 2);
  const { tenant, repo } = splitRepo(positionals[0]);
  const path = `/api/v1/repos/${enc(tenant)}/${enc(repo!)}/metadata-keys`;
  if (!withFpr) return { label: `${tenant}/${repo}`, path };
  const fpr = (positionals[1] as string).replace(/\s+/g, '');
  if (!/^[0-9A-Fa-f]{40}(?:[0-9A-Fa-f]{24})?$/.test(fpr)) throw new CliError(`a key fingerprint is 40 or 64 hex digits, not '${fpr.slice(0, 80)}'`, 2);
  return { label: `${tenant}/${repo}`, path, fpr: fpr.toUpperCase() };
}

const lines = (keys: Key[]): string => keys.map((k) => `${k.fingerprint}\t${k.algorithm}\t${k.createdAt}\t${k.signing ? 'signing' : 'published'}`).join('\n');

async function list(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, {}, HELP);
  const t = target(positionals, false);
  const res = await ApiClient.fromEnv().request<{ keys: Key[] }>({ method: 'GET', path: t.path });
  emit(values.json, res.body, lines(res.body.keys));
  return 0;
}

async function add(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, {}, HELP);
  const t = target(positionals, false);
  const res = await ApiClient.fromEnv().request<{ keys: Key[] }>({ method: 'POST', path: t.path });
  const added = res.body.keys[res.body.keys.length - 1];
  emit(values.json, res.body, `added metadata key ${added?.fingerprint ?? ''} to ${t.label}: published now, signing after 'berth metadata-key use'\n${lines(res.body.keys)}`);
  return 0;
}

async function use(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, {}, HELP);
  const t = target(positionals, true);
  const res = await ApiClient.fromEnv().request<{ keys: Key[]; revision: number | null }>({ method: 'POST', path: `${t.path}/${t.fpr!}/use` });
  emit(values.json, res.body, `${t.label} metadata is signed by ${t.fpr!}${res.body.revision === null ? '' : ` from revision ${res.body.revision}`}\n${lines(res.body.keys)}`);
  return 0;
}

async function retire(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, { yes: { type: 'boolean' } }, HELP);
  const t = target(positionals, true);
  if (!values.yes) throw new CliError(`retiring metadata key ${t.fpr!} of ${t.label} deletes it: add --yes`, 2);
  const res = await ApiClient.fromEnv().request<{ keys: Key[] }>({ method: 'DELETE', path: `${t.path}/${t.fpr!}` });
  emit(values.json, res.body, `retired metadata key ${t.fpr!} of ${t.label}\n${lines(res.body.keys)}`);
  return 0;
}

export const metadataKeyCommand: Command = groupCommand('metadata-key', "rotate the key that signs a repository's metadata (service)", { list, add, use, retire }, HELP);
