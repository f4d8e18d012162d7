// A dnf confined to a temp dir: its own dnf.conf, reposdir, cache and installroot, seeing one
// repository with gpgcheck and repo_gpgcheck enforced (and Basic auth when a password is given).
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stopAgent } from './gpg.js';
import { run, type RunResult } from './run.js';
import { findTool } from './tools.js';

export interface DnfRepo {
  /** Repo id: the `[section]`, the `.repo` file name and what `--enablerepo` names. */
  id: string;
  name: string;
  baseurl: string;
  gpgkeys: readonly string[];
  /** Basic auth as user `dnf` with this password; none when absent. */
  password?: string;
}

export interface DnfClient {
  /** The installroot. */
  root: string;
  /** `dnf -y ARGS` against only this repo, never rejecting. */
  dnf(args: readonly string[]): Promise<RunResult>;
  /** `rpm --root <installroot> ARGS`, never rejecting. */
  rpm(args: readonly string[]): Promise<RunResult>;
  /** `rpm -q` of `names`, one NEVRA per line. */
  rpmQuery(names: readonly string[]): Promise<RunResult>;
  /** NEVRA of the installed `name`, or rpm's "not installed" message. */
  installed(name: string): Promise<string>;
}

/** A dnf that sees only `repo`, with everything it writes under `base`. */
export function dnfClient(base: string, repo: DnfRepo): DnfClient {
  const auth = repo.password === undefined ? [] : ['username=dnf', `password=${repo.password}`];
  return dnfWithRepoFile(base, repo.id, [
    `[${repo.id}]`, `name=${repo.name}`, `baseurl=${repo.baseurl}`, 'enabled=1', 'gpgcheck=1', 'repo_gpgcheck=1',
    `gpgkey=${repo.gpgkeys.join(' ')}`, ...auth, 'metadata_expire=0', '',
  ].join('\n'));
}

/**
 * A dnf that sees only the repository `id` of `repoFile` (a whole .repo file, such as the one a
 * server serves), with everything it writes under `base`.
 */
export function dnfWithRepoFile(base: string, id: string, repoFile: string): DnfClient {
  const root = join(base, 'root');
  const reposd = join(base, 'repos.d');
  const cache = join(base, 'cache');
  for (const d of [root, reposd, cache]) mkdirSync(d, { recursive: true });
  const conf = join(base, 'dnf.conf');
  // The host's dnf.conf may say skip_if_unavailable=True, which would hide a broken repository.
  writeFileSync(conf, [
    '[main]', 'gpgcheck=1', 'repo_gpgcheck=1', 'skip_if_unavailable=False', 'install_weak_deps=False',
    `reposdir=${reposd}`, `cachedir=${cache}`, `logdir=${join(base, 'log')}`, 'keepcache=False', '',
  ].join('\n'));
  writeFileSync(join(reposd, `${id}.repo`), repoFile);
  const dnf = (args: readonly string[]): Promise<RunResult> => run(findTool('dnf') ?? 'dnf', [
    '--config', conf, '--installroot', root, '--releasever', '1', `--setopt=reposdir=${reposd}`, `--setopt=cachedir=${cache}`,
    '--disablerepo=*', `--enablerepo=${id}`, '-y', ...args,
  ], { allowFail: true, env: { LC_ALL: 'C.UTF-8' } });
  // Debian's rpm keeps its database in ~/.rpmdb, i.e. <root>/root/.rpmdb for root.
  const rpm = (args: readonly string[]): Promise<RunResult> =>
    run(findTool('rpm') ?? 'rpm', ['--root', root, ...args], { allowFail: true, env: { HOME: '/root' } });
  const rpmQuery = (names: readonly string[]): Promise<RunResult> => rpm(['-q', '--qf', '%{NEVRA}\n', ...names]);
  const installed = async (name: string): Promise<string> => (await rpmQuery([name])).stdout.trim();
  return { root, dnf, rpm, rpmQuery, installed };
}

/** A served Berth config.repo with the read token filled in where the file says to. */
export function withReadToken(repoFile: string, token: string): string {
  return repoFile.replace(/^#username=(.*)$/m, 'username=$1').replace(/^#password=.*$/m, `password=${token}`);
}

/**
 * Stops the gpg agents librepo may have started in the per-repo keyrings it keeps under a dnf
 * cache dir (`pubring`), anywhere below `work`, then removes `work`.
 */
export function disposeDnfWork(work: string): void {
  for (const e of readdirSync(work, { withFileTypes: true, recursive: true })) {
    if (e.isDirectory() && e.name === 'pubring') stopAgent(join(e.parentPath, e.name));
  }
  rmSync(work, { recursive: true, force: true });
}
