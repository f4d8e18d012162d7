// Modules through a filtered mirror, with real dnf: an upstream built at test time (signed
// packages, createrepo_c, modules.yaml added with modifyrepo_c, a signed repomd.xml) served by
// nginx; `berth serve` mirrors it with filters that keep one module stream whole and only part of
// another. dnf lists both modules upstream, and only the whole one from the mirror, where its
// default stream installs; the package only the dropped stream named is not mirrored.
import { mkdirSync, mkdtempSync, copyFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { berthCliPresent } from '../helpers/berth.js';
import { dnfClient, disposeDnfWork } from '../helpers/dnf.js';
import { detachSign, disposeTestKeyring, rpmSign, testKeyring, type TestKeyring } from '../helpers/gpg.js';
import { run } from '../helpers/run.js';
import { berthAs, eventually, jsonOf, startBerthServer, type BerthServer } from '../helpers/service.js';
import { announceSkip, findTool, skipReason } from '../helpers/tools.js';
import { buildBench, startNginx, type Nginx } from './upstream.js';

const reason = skipReason({ tools: ['nginx', 'createrepo_c', 'modifyrepo_c', 'rpm', 'rpmbuild', 'rpmsign', 'gpg', 'dnf'], root: true }) ??
  (berthCliPresent() ? null : 'berth CLI not present');
announceSkip('modules through a filtered mirror with dnf', reason);

const ADMIN = `op-modules-${process.pid}-secret-xxxxxxxx`;

const module = (name: string, benches: number[]): string => `---
document: modulemd
version: 2
data:
  name: ${name}
  stream: "1"
  version: 20260102030405
  context: c0ffee42
  arch: noarch
  summary: The ${name} module
  description: Packages of the ${name} module.
  license:
    module: [MIT]
  profiles:
    default:
      rpms: [${benches.map((n) => `berth-bench-${n}`).join(', ')}]
  artifacts:
    rpms:
${benches.map((n) => `    - berth-bench-${n}-0:1.0-1.noarch\n`).join('')}    - berth-bench-0:1.0-1.src
...
---
document: modulemd-defaults
version: 1
data:
  module: ${name}
  stream: "1"
  profiles:
    "1": [default]
...
`;

describe.skipIf(reason !== null)('modules through a filtered mirror, with dnf', () => {
  const work = mkdtempSync(join(tmpdir(), 'berth-modules-'));
  const upstream = join(work, 'upstream');
  let nginx: Nginx;
  let server: BerthServer;
  let keys: TestKeyring;

  beforeAll(async () => {
    keys = await testKeyring();
    mkdirSync(upstream, { recursive: true });
    const rpms = await buildBench(4, '1.0', join(work, 'pool'));
    await rpmSign(rpms, 'rsa');
    for (const f of rpms) copyFileSync(f, join(upstream, basename(f)));
    await run(findTool('createrepo_c') ?? 'createrepo_c', ['--quiet', upstream]);
    const yaml = join(work, 'modules.yaml');
    writeFileSync(yaml, module('berthkeep', [1, 2]) + module('berthgone', [3, 4]));
    await run(findTool('modifyrepo_c') ?? 'modifyrepo_c', ['--mdtype=modules', yaml, join(upstream, 'repodata')]);
    await detachSign(join(upstream, 'repodata', 'repomd.xml'), 'rsa');
    nginx = await startNginx(upstream, join(work, 'nginx'));
    server = await startBerthServer({ data: join(work, 'data'), env: { BERTH_ADMIN_TOKEN: ADMIN, BERTH_MIRROR_INTERVAL: '0', BERTH_EGRESS_ALLOW: '127.0.0.1' } });
    for (const args of [['tenant', 'create', 'acme'], ['repo', 'create', 'acme/mods', '--public'], ['key', 'add', 'acme', keys.rsa.publicKeyFile]]) {
      const r = await berthAs(server, ADMIN, args);
      expect(r.code, r.stderr).toBe(0);
    }
  }, 300_000);

  afterAll(async () => {
    if (server) await server.stop();
    await nginx?.stop();
    await disposeTestKeyring();
    disposeDnfWork(work);
  }, 60_000);

  it('dnf lists the module kept whole and installs from its default stream; the partly kept one is gone', async () => {
    const up = dnfClient(join(work, 'dnf-up'), { id: 'up', name: 'upstream', baseurl: nginx.url, gpgkeys: [`file://${keys.rsa.publicKeyFile}`] });
    const upList = await up.dnf(['module', 'list']);
    expect(upList.code, upList.stdout + upList.stderr).toBe(0);
    expect(upList.stdout).toMatch(/^berthkeep\s+1 \[d\]/m);
    expect(upList.stdout).toMatch(/^berthgone\s+1 \[d\]/m);

    const created = await berthAs(server, ADMIN, ['mirror', 'create', 'acme/mods', '--from', nginx.url, '--key', keys.rsa.publicKeyFile,
      '--include', 'berth-bench-1', '--include', 'berth-bench-2', '--include', 'berth-bench-3', '--json']);
    expect(created.code, created.stderr).toBe(0);
    const ran = await berthAs(server, ADMIN, ['mirror', 'run', 'acme/mods', '--json']);
    const s = jsonOf<{ ok: boolean; revision: number; packages: { selected: number }; warnings: string[] }>(ran);
    expect(s, ran.stdout).toMatchObject({ ok: true, packages: { selected: 2 } });
    expect(s.warnings.join('\n')).toContain('berthgone:1:20260102030405:c0ffee42:noarch');
    const base = `${server.url}/acme/mods`;
    await eventually('modules in repomd.xml', async () => ((await (await fetch(`${base}/repodata/repomd.xml`)).text()).includes('<data type="modules">') ? true : undefined));

    const c = dnfClient(join(work, 'dnf-mirror'), { id: 'mirror', name: 'mirror', baseurl: base, gpgkeys: [`${base}/repodata/repomd.xml.key`, `file://${keys.rsa.publicKeyFile}`] });
    const list = await c.dnf(['module', 'list']);
    expect(list.code, list.stdout + list.stderr).toBe(0);
    expect(list.stdout).toMatch(/^berthkeep\s+1 \[d\]/m);
    expect(list.stdout).not.toContain('berthgone');
    const install = await c.dnf(['install', 'berth-bench-1']);
    expect(install.code, install.stdout + install.stderr).toBe(0);
    expect(await c.installed('berth-bench-1')).toBe('berth-bench-1-1.0-1.noarch');
    expect((await c.dnf(['install', 'berth-bench-3'])).code).not.toBe(0);
  }, 300_000);
});
