/** `berth sync URL DIR`: pull a Berth or any dnf repo into a directory (docs/sync.md). */
import { readFile } from 'node:fs/promises';
import { parse } from '../args.js';
import { CliError, type Command } from '../command.js';

const HELP = `Usage: berth sync URL DIR [--key FILE | --trust-server-key | --no-verify] [--jobs N] [--json]

Makes DIR a verified copy of the dnf repository at URL (its baseurl: a Berth repo
https://host/TENANT/REPO or any plain HTTP repo). repomd.xml must carry a detached signature
(repodata/repomd.xml.asc) made by the given key; every metadata file and package is checked
against its checksum. DIR stays a consistent repo throughout: packages first, then metadata,
repomd.xml last; interrupted downloads resume. Re-running fetches only what changed.

Options:
  --key FILE           armored (or binary) OpenPGP key that must have signed repomd.xml
  --trust-server-key   trust the source's repodata/repomd.xml.key on first use (its fingerprint
                       is printed and pinned in DIR/.berth-sync for later runs)
  --no-verify          skip the signature check (checksums are still verified)
  --jobs N             downloads at once (default 4)
  --retries N          attempts per request on 5xx/network errors (default 5)
  --force              adopt a non-empty DIR that berth sync did not create (it deletes
                       files the repo does not reference)
  --no-changes-feed    always parse primary.xml, even for a Berth source
  --json               print the summary as JSON

Environment: BERTH_TOKEN (a read token, sent as Basic auth, for private Berth repos).`;

function formatBytes(n: number): string {
  return n < 1024 ? `${n} B` : n < 1024 ** 2 ? `${(n / 1024).toFixed(1)} KiB` : `${(n / 1024 ** 2).toFixed(1)} MiB`;
}

export const syncCommand: Command = {
  summary: 'copy a (Berth or any dnf) repository into a directory, verified and resumable',
  async run(args) {
    const { values, positionals } = parse(args, {
      key: { type: 'string' },
      'trust-server-key': { type: 'boolean' },
      'no-verify': { type: 'boolean' },
      jobs: { type: 'string', short: 'j' },
      retries: { type: 'string' },
      force: { type: 'boolean' },
      'no-changes-feed': { type: 'boolean' },
    }, HELP);
    if (values.help) {
      console.log(HELP);
      return 0;
    }
    const [url, dir, extra] = positionals;
    if (url === undefined || dir === undefined || extra !== undefined) throw new CliError(`expected URL and DIR\n\n${HELP}`, 2);
    const modes = [values.key !== undefined, values['trust-server-key'] === true, values['no-verify'] === true].filter(Boolean).length;
    if (modes > 1) throw new CliError('--key, --trust-server-key and --no-verify exclude each other', 2);
    const jobs = values.jobs === undefined ? 4 : Number(values.jobs);
    if (!Number.isInteger(jobs) || jobs < 1 || jobs > 64) throw new CliError(`--jobs takes 1..64, not '${values.jobs}'`, 2);
    const attempts = values.retries === undefined ? 5 : Number(values.retries);
    if (!Number.isInteger(attempts) || attempts < 1 || attempts > 20) throw new CliError(`--retries takes 1..20, not '${values.retries}'`, 2);
    let key: { bytes: Uint8Array; name: string } | undefined;
    if (values.key !== undefined) {
      try {
        key = { bytes: new Uint8Array(await readFile(values.key)), name: values.key };
      } catch (e) {
        throw new CliError(`cannot read --key ${values.key}: ${(e as Error).message}`, 2);
      }
    }
    const tty = Boolean(process.stderr.isTTY) && !values.json;
    let lastDraw = 0;
    const { sync } = await import('../../sync/run.js');
    const { nodePlatform } = await import('../../adapters/node/platform.js');
    const { nodeTransport } = await import('../../adapters/node/egress.js');
    const { DEFAULT_OUTBOUND_LIMITS } = await import('../../net/limits.js');
    const summary = await sync({
      // the source is the user's choice: limits and timeouts, but no address policy (docs/security.md)
      url, dir, key, platform: nodePlatform, transport: nodeTransport('unrestricted', DEFAULT_OUTBOUND_LIMITS), token: process.env['BERTH_TOKEN'] || undefined,
      trustServerKey: values['trust-server-key'] === true, noVerify: values['no-verify'] === true,
      jobs, attempts, force: values.force === true, changesFeed: values['no-changes-feed'] !== true,
      note: (line) => console.error(line),
      progress: tty
        ? (p) => {
            const now = Date.now();
            if (now - lastDraw < 100 && p.done !== p.total) return;
            lastDraw = now;
            process.stderr.write(`\r\x1b[Ksync: ${p.phase} ${p.done}/${p.total}, ${formatBytes(p.bytes)}`);
          }
        : undefined,
    });
    if (tty) process.stderr.write('\r\x1b[K');
    if (values.json) {
      console.log(JSON.stringify(summary, null, 2));
    } else if (summary.upToDate) {
      console.log(`up to date (revision ${summary.revision ?? '?'})`);
    } else {
      console.log(`synced ${summary.source} → ${summary.dir}${summary.signer ? ` (repomd.xml signed by ${summary.signer})` : ' (signature NOT verified)'}`);
      console.log(`  packages: ${summary.fetched.packages} fetched, ${summary.reused.packages} reused; metadata: ${summary.fetched.metadata} fetched, ${summary.reused.metadata} reused; ${summary.deleted} deleted; ${formatBytes(summary.bytes)} in ${summary.requests} requests`);
    }
    return 0;
  },
};
