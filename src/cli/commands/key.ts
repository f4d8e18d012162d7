/** `berth key add T[/R] FILE`: trust a publisher key tenant-wide or for one repo. */
import { readFile } from 'node:fs/promises';
import { ApiClient, enc, splitRepo } from '../api-client.js';
import { emit, groupCommand, parse } from '../args.js';
import { CliError, type Command } from '../command.js';

const HELP = `Usage: berth key add TENANT[/REPO] FILE [--json]

Adds an armored OpenPGP public key (e.g. from 'gpg --armor --export') to the keys trusted for
package signatures: tenant-wide, or for one repository.
Environment: BERTH_URL (default http://127.0.0.1:8080), BERTH_TOKEN (admin scope).`;

async function add(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, {}, HELP);
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  if (positionals.length !== 2) throw new CliError(`expected TENANT[/REPO] FILE\n\n${HELP}`, 2);
  const { tenant, repo } = splitRepo(positionals[0], true);
  let text: string;
  try {
    text = await readFile(positionals[1]!, 'utf8');
  } catch (e) {
    throw new CliError(`cannot read ${positionals[1]}: ${(e as Error).message}`, 1);
  }
  const path = repo === undefined
    ? `/api/v1/tenants/${enc(tenant)}/keys`
    : `/api/v1/repos/${enc(tenant)}/${enc(repo)}/keys`;
  const res = await ApiClient.fromEnv().request<{ fingerprint?: string }>({
    method: 'POST', path, body: text, contentType: 'application/pgp-keys',
  });
  emit(values.json, res.body, `trusted key ${res.body.fingerprint ?? ''} for ${repo === undefined ? tenant : `${tenant}/${repo}`}`);
  return 0;
}

export const keyCommand: Command = groupCommand('key', 'trust a publisher signing key (service)', { add }, HELP);
