// End to end: real dnf installs from a repository written by `berth createrepo`, with package
// signatures (gpgcheck) and a signed repomd.xml (repo_gpgcheck) both enforced.
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { berth, berthCliPresent } from '../helpers/berth.js';
import { detachSign, disposeTestKeyring, rpmSign, stopAgent, testKeyring, type TestKeyring } from '../helpers/gpg.js';
import { buildFixtures, copyFixtures, disposeFixtures } from '../helpers/rpmbuild.js';
import { run, type RunResult } from '../helpers/run.js';
import { announceSkip, findTool, skipReason } from '../helpers/tools.js';

const reason = skipReason({ tools: ['dnf', 'rpm', 'rpmbuild', 'rpmsign', 'gpg'], root: true }) ??
  (berthCliPresent() ? null : 'berth CLI (src/cli/main.ts) not present yet');
announceSkip('dnf end-to-end', reason);

const work = mkdtempSync(join(tmpdir(), 'berth-e2e-'));

afterAll(async () => {
  await disposeTestKeyring();
  await disposeFixtures();
  // librepo imports repo keys into a per-repo keyring under the cache dir and may start an agent there.
  for (const e of readdirSync(work, { withFileTypes: true, recursive: true })) {
    if (e.isDirectory() && e.name === 'pubring') stopAgent(join(e.parentPath, e.name));
  }
  rmSync(work, { recursive: true, force: true });
});

interface Client {
  root: string;
  dnf(args: readonly string[]): Promise<RunResult>;
  rpmQuery(names: readonly string[]): Promise<RunResult>;
}

/** A dnf that sees only our repository: own config, reposdir, cache and installroot. */
function client(name: string, repoDir: string, keyFile: string): Client {
  const base = join(work, name);
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
  writeFileSync(join(reposd, 'berth-test.repo'), [
    '[berth-test]', 'name=Berth test repository', `baseurl=file://${repoDir}`, 'enabled=1',
    'gpgcheck=1', 'repo_gpgcheck=1', `gpgkey=file://${keyFile}`, 'metadata_expire=0', '',
  ].join('\n'));
  const dnfBin = findTool('dnf') ?? 'dnf';
  return {
    root,
    dnf: (args) => run(dnfBin, [
      '--config', conf, '--installroot', root, '--releasever', '1',
      `--setopt=reposdir=${reposd}`, `--setopt=cachedir=${cache}`, '--disablerepo=*', '--enablerepo=berth-test',
      ...args,
    ], { allowFail: true, env: { LC_ALL: 'C.UTF-8' } }),
    // Debian's rpm keeps its database in ~/.rpmdb, i.e. <root>/root/.rpmdb for root.
    rpmQuery: (names) => run(findTool('rpm') ?? 'rpm', ['--root', root, '-q', '--qf', '%{NEVRA}\n', ...names], { allowFail: true, env: { HOME: '/root' } }),
  };
}

describe.skipIf(reason !== null)('dnf installs from a berth repository (gpgcheck + repo_gpgcheck)', () => {
  let keys: TestKeyring;
  const repo = join(work, 'repo');

  beforeAll(async () => {
    const fx = await buildFixtures();
    keys = await testKeyring();
    const names = [fx.binary['berth-lib'], fx.binary['berth-app']].filter((n): n is string => n !== undefined);
    expect(names).toHaveLength(2);
    await rpmSign(copyFixtures(fx, names, join(repo, 'Packages')), 'rsa');
    const r = await berth(['createrepo', repo]);
    expect(r.code).toBe(0);
    await detachSign(join(repo, 'repodata', 'repomd.xml'), 'rsa');
  }, 240_000);

  it('resolves berth-app -> berth-lib and installs both, signatures checked', async () => {
    const c = client('install', repo, keys.rsa.publicKeyFile);
    const r = await c.dnf(['-y', 'install', 'berth-app']);
    expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0);
    const q = await c.rpmQuery(['berth-app', 'berth-lib']);
    expect(q.code, q.stdout + q.stderr).toBe(0);
    expect(q.stdout.trim().split('\n').sort()).toEqual(['berth-app-2.0-1.noarch', 'berth-lib-1.2-1.noarch']);
    expect(existsSync(join(c.root, 'usr', 'bin', 'berth-lib-tool'))).toBe(true);
    expect(existsSync(join(c.root, 'usr', 'share', 'berth-app', 'app.txt'))).toBe(true);
    // The key dnf imported into the target rpmdb is ours: gpgcheck really ran.
    const keysInDb = await run(findTool('rpm') ?? 'rpm', ['--root', c.root, '-q', 'gpg-pubkey', '--qf', '%{VERSION}\n'], { allowFail: true, env: { HOME: '/root' } });
    expect(keysInDb.stdout.trim()).toBe(keys.rsa.keyId.slice(-8));
  });

  it('refuses the repository when repomd.xml.asc does not match repomd.xml', async () => {
    const stale = join(work, 'stale-repo');
    cpSync(repo, stale, { recursive: true });
    // A different revision changes repomd.xml; the copied signature is now for other bytes.
    const r = await berth(['createrepo', '--revision', '1', stale]);
    expect(r.code).toBe(0);
    const c = client('stale', stale, keys.rsa.publicKeyFile);
    const out = await c.dnf(['-y', 'install', 'berth-app']);
    expect(out.code).not.toBe(0);
    expect(`${out.stdout}\n${out.stderr}`).toMatch(/GPG signature|signature verification/i);
    expect((await c.rpmQuery(['berth-app'])).code).not.toBe(0);
  });

  it('refuses an unsigned package in a gpgcheck=1 repository', async () => {
    const unsigned = join(work, 'unsigned-repo');
    const fx = await buildFixtures();
    copyFixtures(fx, [fx.binary['berth-lib'] ?? 'missing', fx.binary['berth-app'] ?? 'missing'], unsigned);
    expect((await berth(['createrepo', unsigned])).code).toBe(0);
    await detachSign(join(unsigned, 'repodata', 'repomd.xml'), 'rsa');
    const c = client('unsigned', unsigned, keys.rsa.publicKeyFile);
    const out = await c.dnf(['-y', 'install', 'berth-app']);
    expect(out.code).not.toBe(0);
    expect(`${out.stdout}\n${out.stderr}`).toMatch(/GPG check FAILED|not signed/i);
  });
});
