/** `berth promote T/FROM T/TO --name GLOB|--nevra NEVRA|--sha256 SHA …`: packages into another repo, no upload. */
import { ApiClient, enc, splitRepo } from '../api-client.js';
import { emit, parse } from '../args.js';
import { CliError, type Command } from '../command.js';

const HELP = `Usage: berth promote TENANT/FROM TENANT/TO [--name GLOB]... [--nevra NEVRA]... [--sha256 SHA256]...
                     [--move] [--with-deps] [--dry-run] [--json]

Copies packages of FROM into TO (a repository of the same tenant) without uploading them again:
every version of each name matching GLOB (*, ?, [...]), exact NEVRAs (name-[epoch:]version-release.arch)
and full sha256s. TO's trust policy applies as to a push: a package signed by a key TO does not
trust is refused, and then nothing is promoted. --with-deps also copies what the packages
require from FROM (the newest provider of each requirement, recursively); --move removes the
selected packages (not their dependencies) from FROM afterwards; --dry-run lists what would be
promoted. A promoted package's time (dnf's --snapshottime, retention's age) is when it entered TO.
FROM's advisories naming a promoted package are merged into TO's, listing only packages TO holds.
Environment: BERTH_URL (default http://127.0.0.1:8080), BERTH_TOKEN (publish on TO; read on
FROM, publish for --move).`;

interface Promoted {
  nevra: string;
  status: 'added' | 'present' | 'planned';
  dependency: boolean;
}

interface Result {
  from: string;
  to: string;
  dryRun: boolean;
  move: boolean;
  packages: Promoted[];
  unresolved: string[];
  revision: number;
  advisories?: { id: string; outcome: string }[];
}

function summary(tenant: string, r: Result): string {
  const lines = r.packages.map((p) => `${p.status === 'planned' ? 'would promote' : p.status === 'added' ? 'promoted' : 'already in'} ${p.nevra}${p.dependency ? ' (dependency)' : ''}`);
  const added = r.packages.filter((p) => p.status === 'added').length;
  if (r.dryRun) lines.push(`dry run: ${r.packages.filter((p) => p.status === 'planned').length} of ${r.packages.length} package(s) would enter ${tenant}/${r.to}`);
  else lines.push(`${added} of ${r.packages.length} package(s) ${r.move ? 'moved' : 'copied'} from ${tenant}/${r.from} to ${tenant}/${r.to} (revision ${r.revision})`);
  const carried = (r.advisories ?? []).filter((a) => a.outcome !== 'unchanged');
  if (carried.length > 0) lines.push(`advisories ${r.dryRun ? 'that would be merged' : 'merged'} into ${tenant}/${r.to}: ${carried.map((a) => a.id).join(', ')}`);
  if (r.unresolved.length > 0) lines.push(`not in ${tenant}/${r.from} (the system may provide them): ${r.unresolved.join(', ')}`);
  return lines.join('\n');
}

export const promoteCommand: Command = {
  summary: 'copy or move packages into another repository without uploading them (service)',
  help: HELP,
  async run(args) {
    const { values, positionals } = parse(args, {
      name: { type: 'string', multiple: true }, nevra: { type: 'string', multiple: true }, sha256: { type: 'string', multiple: true },
      move: { type: 'boolean' }, 'with-deps': { type: 'boolean' }, 'dry-run': { type: 'boolean' },
    }, HELP);
    if (values.help) {
      console.log(HELP);
      return 0;
    }
    if (positionals.length !== 2) throw new CliError(`expected TENANT/FROM and TENANT/TO\n\n${HELP}`, 2);
    const from = splitRepo(positionals[0]);
    const to = splitRepo(positionals[1]);
    if (from.tenant !== to.tenant) throw new CliError(`packages are promoted within one tenant: ${from.tenant} and ${to.tenant} differ`, 2);
    const [names, nevra, sha256] = [values.name ?? [], values.nevra ?? [], values.sha256 ?? []];
    if (names.length + nevra.length + sha256.length === 0) throw new CliError(`select packages with --name, --nevra or --sha256\n\n${HELP}`, 2);
    const res = await ApiClient.fromEnv().request<Result>({
      method: 'POST', path: `/api/v1/repos/${enc(from.tenant)}/${enc(from.repo!)}/promote`,
      json: { to: to.repo, names, nevra, sha256, move: values.move ?? false, dependencies: values['with-deps'] ?? false, dryRun: values['dry-run'] ?? false },
    });
    emit(values.json, res.body, summary(from.tenant, res.body));
    return 0;
  },
};
