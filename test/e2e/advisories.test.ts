// Advisories end to end: a real `berth serve`, two signed versions of a package pushed with the
// CLI, an advisory uploaded with `berth advisory add`; real dnf then lists it with
// `dnf updateinfo list --security` and `dnf upgrade --security` installs the fixed version. An
// appliance synced with `berth sync` serves the same updateinfo, and dnf sees it there too.
// Package groups uploaded with `berth groups set` make `dnf group install` work.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { berth, berthCliPresent } from '../helpers/berth.js';
import { disposeDnfWork } from '../helpers/dnf.js';
import { disposeTestKeyring, rpmSign, testKeyring, type TestKeyring } from '../helpers/gpg.js';
import { rpmbuild } from '../helpers/rpmbuild.js';
import { berthAs, eventually, jsonOf, startBerthServer, type BerthServer } from '../helpers/service.js';
import { announceSkip, skipReason } from '../helpers/tools.js';
import { dnfClient, startDirServe, type Upstream } from '../sync/support.js';

const reason = skipReason({ tools: ['dnf', 'rpm', 'rpmbuild', 'rpmsign', 'gpg'], root: true }) ?? (berthCliPresent() ? null : 'berth CLI not present');
announceSkip('advisories with dnf', reason);

const ADMIN = `op-advisories-${process.pid}-secret-xxxxxxxx`;
const work = mkdtempSync(join(tmpdir(), 'berth-adv-'));
const ID = 'ACME-2026:0042';

const spec = (version: string): Buffer => Buffer.from(`Name: berth-vuln
Version: ${version}
Release: 1
Summary: A package with a security fix in 1.1
License: MIT
BuildArch: noarch
AutoReqProv: no

%description
Version ${version}.

%install
mkdir -p %{buildroot}/usr/share/berth-vuln
echo ${version} > %{buildroot}/usr/share/berth-vuln/version

%files
/usr/share/berth-vuln/version
`);

const UPDATEINFO = `<?xml version="1.0" encoding="UTF-8"?>
<updates>
  <update from="security@acme.example" status="final" type="security" version="1">
    <id>${ID}</id>
    <title>Important: berth-vuln security update</title>
    <severity>Important</severity>
    <issued date="2026-03-01 10:00:00"/>
    <references>
      <reference href="https://www.cve.org/CVERecord?id=CVE-2026-0042" id="CVE-2026-0042" type="cve" title="CVE-2026-0042"/>
    </references>
    <description>berth-vuln 1.0 trusts what it should not; 1.1 does not.</description>
    <pkglist>
      <collection short="acme-main">
        <name>acme main</name>
        <package name="berth-vuln" version="1.1" release="1" epoch="0" arch="noarch" src="berth-vuln-1.1-1.src.rpm">
          <filename>berth-vuln-1.1-1.noarch.rpm</filename>
        </package>
      </collection>
    </pkglist>
  </update>
</updates>
`;

describe.skipIf(reason !== null)('advisories with real dnf', () => {
  let server: BerthServer;
  let keys: TestKeyring;
  let appliance: Upstream | undefined;
  const url = (): string => `${server.url}/acme/main`;
  const edge = join(work, 'edge');

  beforeAll(async () => {
    keys = await testKeyring();
    const rpms = [...(await rpmbuild('berth-vuln', spec('1.0'), join(work, 'rpms'))), ...(await rpmbuild('berth-vuln', spec('1.1'), join(work, 'rpms')))];
    await rpmSign(rpms, 'rsa');
    server = await startBerthServer({ data: join(work, 'data'), env: { BERTH_ADMIN_TOKEN: ADMIN } });
    for (const args of [['tenant', 'create', 'acme'], ['repo', 'create', 'acme/main', '--public'], ['key', 'add', 'acme', keys.rsa.publicKeyFile]]) {
      const r = await berthAs(server, ADMIN, args);
      expect(r.code, r.stderr).toBe(0);
    }
    const pushed = await berthAs(server, ADMIN, ['push', 'acme/main', '--json', ...rpms]);
    expect(pushed.code, pushed.stderr).toBe(0);
  }, 300_000);

  afterAll(async () => {
    await appliance?.stop();
    if (server) await server.stop();
    await disposeTestKeyring();
    disposeDnfWork(work);
  }, 60_000);

  const servedRevision = async (base: string): Promise<number> => Number(/<revision>(\d+)<\/revision>/.exec(await (await fetch(`${base}/repodata/repomd.xml`)).text())?.[1] ?? -1);

  it('berth advisory add publishes it; dnf lists it and upgrade --security installs the fix', async () => {
    const file = join(work, 'updateinfo.xml');
    writeFileSync(file, UPDATEINFO);
    const added = await berthAs(server, ADMIN, ['advisory', 'add', 'acme/main', file, '--json']);
    expect(added.code, added.stderr).toBe(0);
    const { revision, results } = jsonOf<{ revision: number; results: { id: string; outcome: string }[] }>(added);
    expect(results).toEqual([{ id: ID, outcome: 'created' }]);
    await eventually(`repomd revision ${revision}`, async () => ((await servedRevision(url())) >= revision ? true : undefined));
    const listed = await berthAs(server, ADMIN, ['advisory', 'list', 'acme/main', '--type', 'security']);
    expect(listed.stdout).toContain(`${ID}\tsecurity\tImportant`);

    const c = dnfClient(join(work, 'dnf-server'), url(), [`${url()}/repodata/repomd.xml.key`, `file://${keys.rsa.publicKeyFile}`]);
    const install = await c.dnf(['install', 'berth-vuln-1.0-1']);
    expect(install.code, install.stdout + install.stderr).toBe(0);
    expect(await c.installed('berth-vuln')).toBe('berth-vuln-1.0-1.noarch');

    const info = await c.dnf(['updateinfo', 'list', '--security']);
    expect(info.code, info.stdout + info.stderr).toBe(0);
    expect(info.stdout).toMatch(new RegExp(`${ID.replace(/[.:]/g, '\\$&')}\\s+\\S*\\s*berth-vuln-1\\.1-1\\.noarch`));
    const upgrade = await c.dnf(['upgrade', '--security']);
    expect(upgrade.code, upgrade.stdout + upgrade.stderr).toBe(0);
    expect(await c.installed('berth-vuln')).toBe('berth-vuln-1.1-1.noarch');
    const none = await c.dnf(['updateinfo', 'list', '--security']);
    expect(none.stdout).not.toContain(ID);
  }, 300_000);

  it('an appliance synced with berth sync serves the same updateinfo, and dnf reads it there', async () => {
    const r = await berth(['sync', url(), edge, '--trust-server-key', '--json'], { allowFail: true, timeoutMs: 120_000 });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const repomd = await (await fetch(`${url()}/repodata/repomd.xml`)).text();
    expect(readFileSync(join(edge, 'repodata', 'repomd.xml'), 'utf8')).toBe(repomd);
    const href = /<data type="updateinfo">[\s\S]*?<location href="([^"]+)"/.exec(repomd)?.[1];
    expect(href).toMatch(/^repodata\/[0-9a-f]{64}-updateinfo\.xml\.gz$/);
    const upstream = new Uint8Array(await (await fetch(`${url()}/${href!}`)).arrayBuffer());

    appliance = await startDirServe(edge);
    const local = await fetch(`${appliance.url}/${href!}`);
    expect(local.status).toBe(200);
    expect(new Uint8Array(await local.arrayBuffer())).toEqual(upstream);

    const c = dnfClient(join(work, 'dnf-edge'), appliance.url, [`${appliance.url}/repodata/repomd.xml.key`, `file://${keys.rsa.publicKeyFile}`]);
    expect((await c.dnf(['install', 'berth-vuln-1.0-1'])).code).toBe(0);
    const info = await c.dnf(['updateinfo', 'list', '--security']);
    expect(info.stdout).toContain(ID);
  }, 300_000);

  it('dnf group install works from comps uploaded with berth groups set', async () => {
    const comps = join(work, 'comps.xml');
    writeFileSync(comps, `<?xml version="1.0" encoding="UTF-8"?>
<comps>
  <group>
    <id>acme-tools</id>
    <name>Acme tools</name>
    <description>Everything acme ships</description>
    <default>true</default>
    <uservisible>true</uservisible>
    <packagelist><packagereq type="mandatory">berth-vuln</packagereq></packagelist>
  </group>
</comps>
`);
    const set = await berthAs(server, ADMIN, ['groups', 'set', 'acme/main', comps, '--json']);
    expect(set.code, set.stderr).toBe(0);
    const { revision } = jsonOf<{ revision: number }>(set);
    await eventually(`repomd revision ${revision}`, async () => ((await servedRevision(url())) >= revision ? true : undefined));
    const c = dnfClient(join(work, 'dnf-groups'), url(), [`${url()}/repodata/repomd.xml.key`, `file://${keys.rsa.publicKeyFile}`]);
    const list = await c.dnf(['group', 'list', '--hidden']);
    expect(list.stdout, list.stdout + list.stderr).toContain('Acme tools');
    const install = await c.dnf(['group', 'install', 'acme-tools']);
    expect(install.code, install.stdout + install.stderr).toBe(0);
    expect(await c.installed('berth-vuln')).toBe('berth-vuln-1.1-1.noarch');
  }, 300_000);
});
