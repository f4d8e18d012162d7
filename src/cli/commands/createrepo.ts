/** `berth createrepo DIR` — a drop-in for createrepo_c on its common flags. */
import { parseArgs } from 'node:util';
import { nodePlatform } from '../../adapters/node/platform.js';
import { CliError, type Command } from '../command.js';
import { createrepo } from '../createrepo/run.js';
import { resolveGroupfile } from '../createrepo/groupfile.js';
import { CREATEREPO_OPTIONS } from '../createrepo/options.js';
import { tuneV8ForCreaterepo } from '../createrepo/v8-flags.js';

const HELP = `Usage: berth createrepo [options] DIR

Writes DIR/repodata/ (repomd.xml, primary, filelists, other) for every .rpm under DIR.
Other files in DIR/repodata/ (comps.xml, notes, …) are kept, as createrepo_c keeps them;
the metadata files the old repomd.xml lists are replaced.

Options:
  --revision N            <revision> in repomd.xml (default: newest package mtime)
  --compress gz|zstd      metadata compression (default gz; tdnf reads gz and zstd)
  --changelog-limit N     changelog entries per package in other.xml (default 10)
  -g, --groupfile FILE    publish FILE (comps XML) as the repo's package groups (repomd
                          types group and group_gz, as createrepo_c); a relative FILE is
                          looked up in the working directory, then in DIR
  --update                reuse metadata of packages whose size and mtime are unchanged
  --workers N             threads reading packages beside the main thread (0 = parse on
                          the main thread only; default: CPUs - 1, at most 8; on 2 CPUs
                          1 for 10,000 packages or 512 MiB of packages and more, else 0)
  --io-thread             without reader threads, for 3,000 packages or more on 2 CPUs or
                          more: one thread opens, reads and hashes the files ahead of the
                          main thread, which parses (off by default: it uses ~0.25 s more
                          CPU and ~18 MiB more memory, and on 2 CPUs it was no faster)
  --no-io-thread          the default: the main thread reads the files it parses
  --json                  print a JSON summary on stdout
  -q, --quiet             print nothing but errors
Accepted for createrepo_c compatibility: --no-database, --database (ignored: no sqlite is
written; dnf and tdnf do not read it), --set-timestamp-to-revision (always on), -s sha256,
--general-compress-type gz|zstd (same as --compress).`;

export const createrepoCommand: Command = {
  summary: 'write dnf repodata for a directory of packages (createrepo_c compatible)',
  async run(args) {
    // V8 settings for a run like this one (v8-flags.ts), before any package is read
    tuneV8ForCreaterepo();
    let parsed;
    try {
      parsed = parseArgs({
        args,
        allowPositionals: true,
        options: CREATEREPO_OPTIONS,
      });
    } catch (e) {
      throw new CliError(`${(e as Error).message}\n\n${HELP}`, 2);
    }
    const { values, positionals } = parsed;
    if (values.help) {
      console.log(HELP);
      return 0;
    }
    if (positionals.length !== 1) throw new CliError(`expected exactly one DIR\n\n${HELP}`, 2);
    const compress = values.compress ?? values['general-compress-type'] ?? 'gz';
    if (compress !== 'gz' && compress !== 'zstd') throw new CliError(`--compress must be gz or zstd, not '${compress}'`, 2);
    if (values.checksum !== undefined && values.checksum !== 'sha256') {
      throw new CliError(`only sha256 checksums are supported, not '${values.checksum}'`, 2);
    }
    const changelogLimit = integer('--changelog-limit', values['changelog-limit'], 10);
    const workers = values.workers === undefined ? 'auto' : integer('--workers', values.workers, 0);
    if (values.revision !== undefined && !/^\S+$/.test(values.revision)) throw new CliError('--revision must be one word', 2);

    const groupfile = values.groupfile === undefined ? undefined : await resolveGroupfile(positionals[0]!, values.groupfile);
    const summary = await createrepo(positionals[0]!, nodePlatform, {
      codec: compress,
      changelogLimit,
      update: Boolean(values.update),
      workers,
      ...(values['no-io-thread'] === true ? { ioThread: false } : values['io-thread'] === true ? { ioThread: true } : {}),
      ...(values.revision !== undefined ? { revision: values.revision } : {}),
      ...(groupfile !== undefined ? { groupfile } : {}),
    });
    for (const f of summary.failed) console.error(`berth createrepo: skipped ${f.href}: ${f.reason}`);
    for (const f of summary.excluded) console.error(`berth createrepo: excluded ${f.href}: ${f.reason}`);
    if (summary.oldRepomdUnreadable !== undefined) {
      console.error(`berth createrepo: warning: could not read the old repodata/repomd.xml (${summary.oldRepomdUnreadable}); every other file of the old repodata/ was kept`);
    }
    if (summary.kept.includes('repomd.xml.asc')) {
      console.error('berth createrepo: warning: repodata/repomd.xml.asc was kept but signs the old repomd.xml: sign the new one (gpg --detach-sign --armor repodata/repomd.xml)');
    }
    if (values.json) console.log(JSON.stringify(summary, null, 2));
    else if (!values.quiet) {
      console.log(
        `${summary.packages} packages${summary.reused ? ` (${summary.reused} reused)` : ''}, revision ${summary.revision}` +
          (summary.excluded.length + summary.failed.length ? `, ${summary.excluded.length + summary.failed.length} left out` : ''),
      );
    }
    return 0;
  },
};

function integer(flag: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!/^\d+$/.test(value)) throw new CliError(`${flag} takes a non-negative integer, not '${value}'`, 2);
  return Number(value);
}
