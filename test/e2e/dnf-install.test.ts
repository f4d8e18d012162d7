// End to end: real dnf installs from a repository written by `berth createrepo`, with package
// signatures (gpgcheck) and a signed repomd.xml (repo_gpgcheck) both enforced.
import { cpSync, existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { berth, berthCliPresent } from '../helpers/berth.js';
import { dnfClient, disposeDnfWork, type DnfClient } from '../helpers/dnf.js';
import { detachSign, disposeTestKeyring, rpmSign, testKeyring, type TestKeyring } from '../helpers/gpg.js';
import { buildFixtures, copyFixtures, disposeFixtures } from '../helpers/rpmbuild.js';
import { announceSkip, skipReason } from '../helpers/tools.js';

const reason = skipReason({ tools: ['dnf', 'rpm', 'rpmbuild', 'rpmsign', 'gpg'], root: true }) ??
  (berthCliPresent() ? null : 'berth CLI (src/cli/main.ts) not present yet');
announceSkip('dnf end-to-end', reason);

const work = mkdtempSync(join(tmpdir(), 'berth-e2e-'));

afterAll(async () => {
  await disposeTestKeyring();
  await disposeFixtures();
  disposeDnfWork(work);
});

/** A dnf that sees only our repository at `repoDir`. */
function client(name: string, repoDir: string, keyFile: string): DnfClient {
  return dnfClient(join(work, name), {
    id: 'berth-test', name: 'Berth test repository', baseurl: `file://${repoDir}`, gpgkeys: [`file://${keyFile}`],
  });
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
    const r = await c.dnf(['install', 'berth-app']);
    expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0);
    const q = await c.rpmQuery(['berth-app', 'berth-lib']);
    expect(q.code, q.stdout + q.stderr).toBe(0);
    expect(q.stdout.trim().split('\n').sort()).toEqual(['berth-app-2.0-1.noarch', 'berth-lib-1.2-1.noarch']);
    expect(existsSync(join(c.root, 'usr', 'bin', 'berth-lib-tool'))).toBe(true);
    expect(existsSync(join(c.root, 'usr', 'share', 'berth-app', 'app.txt'))).toBe(true);
    // The key dnf imported into the target rpmdb is ours: gpgcheck really ran.
    const keysInDb = await c.rpm(['-q', 'gpg-pubkey', '--qf', '%{VERSION}\n']);
    expect(keysInDb.stdout.trim()).toBe(keys.rsa.keyId.slice(-8));
  });

  it('refuses the repository when repomd.xml.asc does not match repomd.xml', async () => {
    const stale = join(work, 'stale-repo');
    cpSync(repo, stale, { recursive: true });
    // A different revision changes repomd.xml; the copied signature is now for other bytes.
    const r = await berth(['createrepo', '--revision', '1', stale]);
    expect(r.code).toBe(0);
    const c = client('stale', stale, keys.rsa.publicKeyFile);
    const out = await c.dnf(['install', 'berth-app']);
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
    const out = await c.dnf(['install', 'berth-app']);
    expect(out.code).not.toBe(0);
    expect(`${out.stdout}\n${out.stderr}`).toMatch(/GPG check FAILED|not signed/i);
  });
});
