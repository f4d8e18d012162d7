/** `berth audit TENANT`: the tenant's audit log, oldest first, with its chain checked by the server. */
import { ApiClient, enc } from '../api-client.js';
import { emit, parse } from '../args.js';
import { CliError, type Command } from '../command.js';

const HELP = `Usage: berth audit TENANT [--after SEQ] [--limit N] [--json]

Prints the tenant's audit log (who changed what, when), oldest first: every entry after SEQ
(default: from the start), at most N (default: all). Each page's hash chain is checked by the
server; a broken chain is reported and exits 1.
Environment: BERTH_URL (default http://127.0.0.1:8080), BERTH_TOKEN (admin scope).`;

interface Entry {
  seq: number;
  at: string;
  actor: string;
  action: string;
  target: string;
  details: Record<string, unknown>;
}

interface Page {
  entries: Entry[];
  chainValid: boolean;
  next: number | null;
}

function count(flag: string, v: string | undefined, min: number): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) throw new CliError(`${flag} takes an integer >= ${min}, not '${v}'`, 2);
  return n;
}

async function run(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, { after: { type: 'string' }, limit: { type: 'string' } }, HELP);
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  if (positionals.length !== 1) throw new CliError(`expected exactly one TENANT\n\n${HELP}`, 2);
  const tenant = positionals[0]!;
  const limit = count('--limit', values.limit, 1) ?? Infinity;
  let after: number | null = count('--after', values.after, 0) ?? 0;
  const client = ApiClient.fromEnv();
  const entries: Entry[] = [];
  let valid = true;
  while (after !== null && entries.length < limit) {
    const page: Page = (await client.request<Page>({
      method: 'GET', path: `/api/v1/tenants/${enc(tenant)}/audit?after=${after}&limit=${Math.min(1000, limit - entries.length)}`,
    })).body;
    entries.push(...page.entries);
    valid &&= page.chainValid;
    after = page.next;
  }
  const human = entries.map((e) => `${e.seq}\t${e.at}\t${e.actor}\t${e.action}\t${e.target}${Object.keys(e.details).length ? `\t${JSON.stringify(e.details)}` : ''}`);
  if (!valid) human.push('warning: the audit chain does not verify: entries were changed or removed');
  emit(values.json, { entries, chainValid: valid }, human.length ? human.join('\n') : `no audit entries for ${tenant}`);
  return valid ? 0 : 1;
}

export const auditCommand: Command = { summary: "show a tenant's audit log (service)", help: HELP, run };
