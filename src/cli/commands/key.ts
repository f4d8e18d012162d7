/** `berth key add|list|remove T[/R] …`: the publisher keys trusted tenant-wide or for one repo. */
import { readFile } from 'node:fs/promises';
import { ApiClient, enc, splitRepo } from '../api-client.js';
import { emit, groupCommand, parse } from '../args.js';
import { CliError, type Command } from '../command.js';

const HELP = `Usage: berth key add TENANT[/REPO] FILE [--json]
       berth key list TENANT[/REPO] [--json]
       berth key remove TENANT[/REPO] FINGERPRINT [--json]

add trusts an armored OpenPGP public key (e.g. from 'gpg --armor --export') for package
signatures: tenant-wide, or for one repository. A private key is refused here, before anything
is sent. list shows the keys trusted at that level (a repository also trusts the tenant's);
remove stops trusting one (packages already published stay).
Environment: BERTH_URL (default http://127.0.0.1:8080), BERTH_TOKEN (admin scope; read for list).`;

/** A file that holds secret key material: refused before any request, so it never leaves the machine. */
export class PrivateKeyError extends Error {
  override name = 'PrivateKeyError';
  readonly code = 'private_key';
}

/**
 * True when `bytes` is (or contains) an OpenPGP secret key: an armored PRIVATE KEY block, or a
 * binary key whose first packet is a Secret-Key or Secret-Subkey packet (tags 5 and 7, RFC 9580
 * §5), in the old or the new packet format.
 */
export function holdsPrivateKey(bytes: Uint8Array): boolean {
  const text = new TextDecoder('latin1').decode(bytes);
  if (/-----BEGIN PGP PRIVATE KEY BLOCK-----/.test(text)) return true;
  const first = bytes[0];
  if (first === undefined || (first & 0x80) === 0) return false;
  const tag = (first & 0x40) !== 0 ? first & 0x3f : (first >> 2) & 0x0f;
  return tag === 5 || tag === 7;
}

function scopePath(tenant: string, repo: string | undefined): string {
  return repo === undefined ? `/api/v1/tenants/${enc(tenant)}/keys` : `/api/v1/repos/${enc(tenant)}/${enc(repo)}/keys`;
}

async function add(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, {}, HELP);
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  if (positionals.length !== 2) throw new CliError(`expected TENANT[/REPO] FILE\n\n${HELP}`, 2);
  const { tenant, repo } = splitRepo(positionals[0], true);
  const file = positionals[1]!;
  let bytes: Uint8Array;
  try {
    bytes = await readFile(file);
  } catch (e) {
    throw new CliError(`cannot read ${file}: ${(e as Error).message}`, 1);
  }
  if (holdsPrivateKey(bytes)) {
    throw new PrivateKeyError(`${file} holds a private key: nothing was sent. Give the public key instead ('gpg --armor --export <key id>')`);
  }
  const res = await ApiClient.fromEnv().request<{ fingerprint?: string }>({
    method: 'POST', path: scopePath(tenant, repo), body: bytes, contentType: 'application/pgp-keys',
  });
  emit(values.json, res.body, `trusted key ${res.body.fingerprint ?? ''} for ${repo === undefined ? tenant : `${tenant}/${repo}`}`);
  return 0;
}

interface KeyBody {
  fingerprint: string;
  algorithm: string;
  userIds: string[];
  expires: string | null;
  scope: string;
}

async function list(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, {}, HELP);
  if (positionals.length !== 1) throw new CliError(`expected TENANT[/REPO]\n\n${HELP}`, 2);
  const { tenant, repo } = splitRepo(positionals[0], true);
  const res = await ApiClient.fromEnv().request<{ keys: KeyBody[] }>({ method: 'GET', path: scopePath(tenant, repo) });
  const rows = res.body.keys.map((k) => `${k.fingerprint}\t${k.algorithm}\t${k.expires ?? 'never'}\t${k.userIds.join(', ')}`);
  emit(values.json, res.body, rows.length === 0 ? `no keys trusted for ${positionals[0]}` : rows.join('\n'));
  return 0;
}

async function remove(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, {}, HELP);
  if (positionals.length !== 2) throw new CliError(`expected TENANT[/REPO] FINGERPRINT\n\n${HELP}`, 2);
  const { tenant, repo } = splitRepo(positionals[0], true);
  const fpr = positionals[1]!.replace(/\s+/g, '').toUpperCase();
  if (!/^(?:[0-9A-F]{40}|[0-9A-F]{64})$/.test(fpr)) throw new CliError(`a fingerprint is 40 or 64 hex digits (see 'berth key list'), not '${positionals[1]}'`, 2);
  await ApiClient.fromEnv().request({ method: 'DELETE', path: `${scopePath(tenant, repo)}/${fpr}` });
  emit(values.json, { fingerprint: fpr, removed: true }, `no longer trusting key ${fpr} for ${positionals[0]}`);
  return 0;
}

export const keyCommand: Command = groupCommand('key', 'trust, list or remove publisher signing keys (service)', { add, list, remove }, HELP);
