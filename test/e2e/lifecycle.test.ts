// End to end: the repository lifecycle through `berth serve` and the CLI, with real dnf
// (repo_gpgcheck + gpgcheck): retention keeps exactly the newest N after 3N pushes, a snapshot
// taken before keeps serving the old versions byte for byte and dnf installs an old version from
// it; promotion from acme/testing to acme/prod (dnf installs from prod; an untrusted signer is refused).
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { berthCliPresent } from '../helpers/berth.js';
import { dnfClient, disposeDnfWork, type DnfClient } from '../helpers/dnf.js';
import { disposeTestKeyring, rpmSign, testKeyring, type TestKeyring } from '../helpers/gpg.js';
import { rpmbuild } from '../helpers/rpmbuild.js';
import { berthAs, eventually, jsonOf, startBerthServer, type BerthServer } from '../helpers/service.js';
import { announceSkip, skipReason } from '../helpers/tools.js';

const reason = skipReason({ tools: ['dnf', 'rpm', 'rpmbuild', 'rpmsign', 'gpg'], root: true }) ??
  (berthCliPresent() ? null : 'berth CLI not present');
announceSkip('repository lifecycle end-to-end', reason);

const ADMIN = `op-${'l'.repeat(12)}-${process.pid}-secret`;
const work = mkdtempSync(join(tmpdir(), 'berth-life-'));
const N = 2;

/** `berth-ret` version `v`: one file holding its version. */
function spec(name: string, requires: string[] = []): Buffer {
  return Buffer.from(`Name: ${name}
Version: %{ver}
Release: 1
Summary: Lifecycle test package
License: MIT
BuildArch: noarch
${requires.map((r) => `Requires: ${r}\n`).join('')}
%description
Lifecycle test package.

%install
mkdir -p %{buildroot}/usr/share/${name}
echo %{ver} > %{buildroot}/usr/share/${name}/version

%files
/usr/share/${name}/version
`);
}

async function build(name: string, version: string, dir: string, requires: string[] = []): Promise<string> {
  const files = await rpmbuild(name, spec(name, requires), dir, { defines: { ver: version } });
  if (files.length !== 1) throw new Error(`expected one package, got ${files.join(', ')}`);
  return files[0]!;
}

afterAll(async () => {
  await disposeTestKeyring();
  disposeDnfWork(work);
});

describe.skipIf(reason !== null)('repository lifecycle end to end', () => {
  let server: BerthServer;
  let keys: TestKeyring;
  let admin = '';
  let publish = '';
  let read = '';
  const versions = Array.from({ length: 3 * N }, (_, i) => `1.${i + 1}`);
  const rpms = new Map<string, string>();
  let promo = '';
  let foreign = '';
  const basic = (): string => `Basic ${Buffer.from(`dnf:${read}`).toString('base64')}`;
  const get = (path: string): Promise<Response> => fetch(`${server.url}${path}`, { headers: { authorization: basic() } });

  /** Waits until the served repomd.xml of `repo` is built from index revision >= `revision`. */
  const waitForRevision = (repo: string, revision: number): Promise<number> => eventually(`${repo} revision ${revision}`, async () => {
    const res = await get(`/acme/${repo}/repodata/repomd.xml`);
    if (res.status !== 200) return undefined;
    const m = /<revision>(\d+)<\/revision>/.exec(await res.text());
    return m && Number(m[1]) >= revision ? Number(m[1]) : undefined;
  });

  const client = (name: string, baseurl: string): DnfClient => dnfClient(join(work, name), {
    id: 'berth', name: 'Berth lifecycle', baseurl, password: read,
    gpgkeys: [`${baseurl}/repodata/repomd.xml.key`, `file://${keys.rsa.publicKeyFile}`],
  });


  beforeAll(async () => {
    keys = await testKeyring();
    const dir = join(work, 'rpms');
    for (const v of versions) rpms.set(v, await build('berth-ret', v, dir));
    await rpmSign([...rpms.values()], 'rsa');
    server = await startBerthServer({ data: join(work, 'data'), env: { BERTH_ADMIN_TOKEN: ADMIN } });
    promo = await build('berth-promo', '1.0', join(work, 'promo'));
    await rpmSign([promo], 'rsa');
    foreign = await build('berth-foreign', '1.0', join(work, 'foreign'));
    await rpmSign([foreign], 'ed25519');
    for (const args of [['tenant', 'create', 'acme'], ['repo', 'create', 'acme/prod'], ['repo', 'create', 'acme/testing']]) {
      const r = await berthAs(server, ADMIN, args);
      expect(r.code, r.stderr).toBe(0);
    }
    const token = async (args: string[]): Promise<string> => jsonOf<{ token: string }>(await berthAs(server, ADMIN, ['token', 'create', 'acme', ...args, '--json'])).token;
    [admin, publish, read] = [await token(['--scope', 'admin']), await token(['--scope', 'publish']), await token(['--scope', 'read'])];
    const k = await berthAs(server, admin, ['key', 'add', 'acme', keys.rsa.publicKeyFile]);
    expect(k.code, k.stderr).toBe(0);
    // testing also trusts the Ed25519 key; prod does not
    const k2 = await berthAs(server, admin, ['key', 'add', 'acme/testing', keys.ed25519.publicKeyFile]);
    expect(k2.code, k2.stderr).toBe(0);
  }, 300_000);

  afterAll(async () => {
    if (!server) return;
    const code = await server.stop();
    expect(code, server.stderr().slice(-2000)).toBe(0);
    for (const secret of [ADMIN, admin, publish, read].filter((s) => s !== '')) expect(server.stderr()).not.toContain(secret);
  }, 60_000);

  it(`retention keeps exactly the newest ${N} after ${3 * N} pushes; a snapshot taken before serves the old versions byte for byte; dnf installs an old version from it`, async () => {
    const set = await berthAs(server, admin, ['retention', 'set', 'acme/prod', '--keep', String(N), '--json']);
    expect(set.code, set.stderr).toBe(0);
    expect(jsonOf(set)).toMatchObject({ keepNewest: N, maxAgeSeconds: null });

    const first = await berthAs(server, publish, ['push', 'acme/prod', '--json', ...versions.slice(0, N).map((v) => rpms.get(v)!)]);
    expect(first.code, first.stderr).toBe(0);
    const revisions = jsonOf<{ results: { revision: number }[] }>(first).results.map((r) => r.revision);
    await waitForRevision('prod', Math.max(...revisions));

    const snap = await berthAs(server, publish, ['snapshot', 'create', 'acme/prod', 'before', '--json']);
    expect(snap.code, snap.stderr).toBe(0);
    expect(jsonOf(snap)).toMatchObject({ name: 'before', packages: N, path: '/acme/prod/snapshots/before/' });
    // what the repo served when the snapshot was taken
    const packages = (await (await get('/api/v1/repos/acme/prod/packages')).json()) as { packages: { location: string; version: string }[] };
    const repomd = await (await get('/acme/prod/repodata/repomd.xml')).text();
    const files = ['repomd.xml', 'repomd.xml.asc', 'repomd.xml.key', ...[...repomd.matchAll(/href="repodata\/([^"]+)"/g)].map((m) => m[1]!)];
    const served = new Map<string, Buffer>();
    for (const p of [...files.map((f) => `repodata/${f}`), ...packages.packages.map((p) => p.location)]) {
      const res = await get(`/acme/prod/${p}`);
      expect(res.status, p).toBe(200);
      served.set(p, Buffer.from(await res.arrayBuffer()));
    }

    for (const v of versions.slice(N)) {
      const r = await berthAs(server, publish, ['push', 'acme/prod', '--json', rpms.get(v)!]);
      expect(r.code, r.stderr).toBe(0);
    }
    const listed = (await (await get('/api/v1/repos/acme/prod/packages?name=berth-ret')).json()) as { revision: number; packages: { version: string }[] };
    expect(listed.packages.map((p) => p.version).sort()).toEqual(versions.slice(-N));
    const dry = await berthAs(server, admin, ['retention', 'apply', 'acme/prod', '--dry-run', '--json']);
    expect(jsonOf(dry)).toMatchObject({ dryRun: true, removed: [] });
    await waitForRevision('prod', listed.revision);

    for (const [p, bytes] of served) {
      const res = await get(`/acme/prod/snapshots/before/${p}`);
      expect(res.status, p).toBe(200);
      expect(Buffer.from(await res.arrayBuffer()).equals(bytes), p).toBe(true);
    }

    const old = client('snapshot', `${server.url}/acme/prod/snapshots/before`);
    const r = await old.dnf(['install', 'berth-ret-1.1']);
    expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0);
    expect(await old.installed('berth-ret')).toBe('berth-ret-1.1-1.noarch');
    // the repo itself offers only the newest N
    const now = client('prod', `${server.url}/acme/prod`);
    const avail = await now.dnf(['-q', 'repoquery', '--qf', '%{version}', 'berth-ret']);
    expect(avail.code, avail.stderr).toBe(0);
    expect(avail.stdout.trim().split('\n').sort()).toEqual(versions.slice(-N));
  }, 300_000);

  it('a package published to acme/testing is promoted to acme/prod and dnf on prod installs it; one signed by a key prod does not trust is refused with 422', async () => {
    const pushed = await berthAs(server, publish, ['push', 'acme/testing', '--json', promo, foreign]);
    expect(pushed.code, pushed.stderr).toBe(0);
    const refused = await berthAs(server, publish, ['promote', 'acme/testing', 'acme/prod', '--name', 'berth-foreign', '--json']);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(/422|untrusted_key/);
    const direct = await fetch(`${server.url}/api/v1/repos/acme/testing/promote`, {
      method: 'POST', headers: { authorization: `Bearer ${publish}`, 'content-type': 'application/json' }, body: JSON.stringify({ to: 'prod', names: ['berth-foreign'] }),
    });
    expect(direct.status).toBe(422);
    expect(await direct.json()).toMatchObject({ code: 'untrusted_key', nevra: 'berth-foreign-1.0-1.noarch' });

    const moved = await berthAs(server, publish, ['promote', 'acme/testing', 'acme/prod', '--name', 'berth-promo', '--json']);
    expect(moved.code, moved.stderr).toBe(0);
    const result = jsonOf<{ packages: { nevra: string; status: string }[]; revision: number }>(moved);
    expect(result.packages).toMatchObject([{ nevra: 'berth-promo-1.0-1.noarch', status: 'added' }]);
    await waitForRevision('prod', result.revision);
    const prod = client('promoted', `${server.url}/acme/prod`);
    const r = await prod.dnf(['install', 'berth-promo']);
    expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0);
    expect(await prod.installed('berth-promo')).toBe('berth-promo-1.0-1.noarch');
    const foreignThere = await prod.dnf(['-q', 'repoquery', 'berth-foreign']);
    expect(foreignThere.stdout.trim()).toBe('');
  }, 300_000);

  it('metadata key rotation: dnf configured before and after each step (add, use, retire) succeeds at every step', async () => {
    const r = await berthAs(server, ADMIN, ['repo', 'create', 'acme/rot']);
    expect(r.code, r.stderr).toBe(0);
    const pushed = await berthAs(server, publish, ['push', 'acme/rot', '--json', rpms.get(versions[0]!)!]);
    expect(pushed.code, pushed.stderr).toBe(0);
    await waitForRevision('rot', Math.max(...jsonOf<{ results: { revision: number }[] }>(pushed).results.map((x) => x.revision)));
    const base = `${server.url}/acme/rot`;
    const clients: DnfClient[] = [];
    /** A client configured now, then every client so far reads the metadata again (repo_gpgcheck) and sees the package. */
    const step = async (label: string): Promise<void> => {
      clients.push(client(`rot-${label}`, base));
      for (const [i, c] of clients.entries()) {
        const q = await c.dnf(['repoquery', '--qf', '%{name}-%{version}', 'berth-ret']);
        expect(q.code, `${label}: client ${i}\n${q.stdout}\n${q.stderr}`).toBe(0);
        expect(q.stdout, `${label}: client ${i}`).toContain(`berth-ret-${versions[0]!}`);
      }
    };
    const keyBlocks = async (): Promise<number> => {
      const { readKeys } = await import('openpgp');
      return (await readKeys({ armoredKeys: await (await get('/acme/rot/repodata/repomd.xml.key')).text() })).length;
    };
    await step('initial');

    const added = await berthAs(server, admin, ['metadata-key', 'add', 'acme/rot', '--json']);
    expect(added.code, added.stderr).toBe(0);
    const [old, next] = jsonOf<{ keys: { fingerprint: string }[] }>(added).keys.map((k) => k.fingerprint);
    expect(await keyBlocks()).toBe(2);
    await step('overlap');

    const used = await berthAs(server, admin, ['metadata-key', 'use', 'acme/rot', next!, '--json']);
    expect(used.code, used.stderr).toBe(0);
    await waitForRevision('rot', jsonOf<{ revision: number }>(used).revision);
    await step('switched');

    const retired = await berthAs(server, admin, ['metadata-key', 'retire', 'acme/rot', old!, '--yes', '--json']);
    expect(retired.code, retired.stderr).toBe(0);
    expect(await keyBlocks()).toBe(1);
    await step('retired');
  }, 600_000);
});
