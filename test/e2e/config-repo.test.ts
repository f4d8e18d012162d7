// The served config.repo is all a dnf client needs (with its read token filled in): it lists the
// repo's metadata key and every publisher key the repo trusts, the latter served without
// credentials at /keys/<FINGERPRINT>.asc. A private repo, packages signed by a tenant-wide key
// and a repo-only key; dnf installs one of each with gpgcheck and repo_gpgcheck.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { berthCliPresent } from '../helpers/berth.js';
import { disposeDnfWork, dnfWithRepoFile, withReadToken } from '../helpers/dnf.js';
import { disposeTestKeyring, rpmSign, testKeyring, type TestKeyring } from '../helpers/gpg.js';
import { buildMany } from '../helpers/rpmbuild.js';
import { berthAs, eventually, jsonOf, startBerthServer, type BerthServer } from '../helpers/service.js';
import { announceSkip, skipReason } from '../helpers/tools.js';

const reason = skipReason({ tools: ['dnf', 'rpm', 'rpmbuild', 'rpmsign', 'gpg'], root: true }) ??
  (berthCliPresent() ? null : 'berth CLI not present');
announceSkip('dnf through the served config.repo', reason);

const ADMIN = `op-config-repo-${process.pid}-secret`;

describe.skipIf(reason !== null)('dnf through the served config.repo (private repo)', () => {
  const work = mkdtempSync(join(tmpdir(), 'berth-config-repo-'));
  let server: BerthServer;
  let keys: TestKeyring;
  let read = '';
  let names: string[] = [];

  beforeAll(async () => {
    keys = await testKeyring();
    const [a, b] = await buildMany(2, join(work, 'rpms'));
    await rpmSign([a!], 'rsa');
    await rpmSign([b!], 'ed25519');
    // name-version-release.arch.rpm → name
    names = [a!, b!].map((f) => basename(f).split('-').slice(0, -2).join('-'));
    server = await startBerthServer({ data: join(work, 'data'), env: { BERTH_ADMIN_TOKEN: ADMIN } });
    expect((await berthAs(server, ADMIN, ['tenant', 'create', 'acme'])).code).toBe(0);
    expect((await berthAs(server, ADMIN, ['repo', 'create', 'acme/main'])).code).toBe(0);
    expect((await berthAs(server, ADMIN, ['key', 'add', 'acme', keys.rsa.publicKeyFile])).code).toBe(0);
    expect((await berthAs(server, ADMIN, ['key', 'add', 'acme/main', keys.ed25519.publicKeyFile])).code).toBe(0);
    const pushed = await berthAs(server, ADMIN, ['push', 'acme/main', a!, b!]);
    expect(pushed.code, pushed.stderr).toBe(0);
    read = jsonOf<{ token: string }>(await berthAs(server, ADMIN, ['token', 'create', 'acme', '--scope', 'read', '--json'])).token;
    await eventually('metadata with both packages', async () => {
      const res = await fetch(`${server.url}/acme/main/repodata/repomd.xml`, { headers: { authorization: `Bearer ${read}` } });
      if (res.status !== 200) return undefined;
      const listed = jsonOf<{ packages: unknown[] }>(await berthAs(server, read, ['package', 'list', 'acme/main', '--json']));
      return listed.packages.length === 2 ? true : undefined;
    });
  }, 300_000);

  afterAll(async () => {
    await server?.stop();
    await disposeTestKeyring();
    disposeDnfWork(work);
  });

  it('lists the metadata key and both publisher keys; publisher keys are served without credentials', async () => {
    const res = await fetch(`${server.url}/acme/main/config.repo`, { headers: { authorization: `Bearer ${read}` } });
    expect(res.status).toBe(200);
    const text = await res.text();
    const gpgkey = /^gpgkey=(.*)$/m.exec(text)?.[1]?.split(/\s+/) ?? [];
    const fprs = [keys.rsa.fingerprint, keys.ed25519.fingerprint].map((f) => f.toUpperCase()).sort();
    expect(gpgkey).toEqual([`${server.url}/acme/main/repodata/repomd.xml.key`, ...fprs.map((f) => `${server.url}/keys/${f}.asc`)]);
    expect(text).toMatch(/^#password=/m);
    for (const f of fprs) {
      const key = await fetch(`${server.url}/keys/${f}.asc`);
      expect(key.status).toBe(200);
      expect(key.headers.get('content-type')).toBe('application/pgp-keys');
      expect(await key.text()).toContain('BEGIN PGP PUBLIC KEY BLOCK');
    }
    expect((await fetch(`${server.url}/keys/${'A'.repeat(40)}.asc`)).status).toBe(404);
    expect((await fetch(`${server.url}/keys/nonsense.asc`)).status).toBe(404);
  });

  it('dnf installs with exactly the served file (the read token filled in)', async () => {
    const text = await (await fetch(`${server.url}/acme/main/config.repo`, { headers: { authorization: `Bearer ${read}` } })).text();
    const id = /^\[([^\]]+)\]$/m.exec(text)?.[1];
    expect(id).toBe('acme-main');
    const c = dnfWithRepoFile(join(work, 'client'), id!, withReadToken(text, read));
    const r = await c.dnf(['install', ...names]);
    expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0);
    const q = await c.rpmQuery(names);
    expect(q.stdout.trim().split('\n')).toHaveLength(2);
  }, 300_000);
});
