// berth sync from a complete mirror (real `berth serve`): the mirror serves upstream's repomd.xml,
// whose <revision> is upstream's, while the changes feed counts Berth's own revisions. Forced runs
// move Berth's revision on; upstream's <revision> then moves into that range. A sync that asked the
// feed with upstream's revision was told "nothing changed" and kept a primary.xml naming a package
// it never downloaded. With Berth's revision (the Berth-Revision header) as the cursor — and
// primary.xml checked before the swap — the appliance gets the new package.
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nodePlatform } from '../../src/adapters/node/platform.js';
import { sync } from '../../src/sync/run.js';
import { berthCliPresent } from '../helpers/berth.js';
import { startBerthServer, type BerthServer } from '../helpers/service.js';
import { announceSkip } from '../helpers/tools.js';
import { startHostile, type Hostile } from '../net/hostile-upstream.js';
import { primaryXml, repomdXml, type UpPackage } from '../mirror/worlds.js';
import { syntheticRpm } from '../repo/support.js';

const reason = berthCliPresent() ? null : 'berth CLI not present';
announceSkip('sync from a complete mirror', reason);

const ADMIN = `op-cursor-${process.pid}-secret-xxxx`;

describe.skipIf(reason !== null)('berth sync from a complete mirror', () => {
  let up: Hostile;
  let server: BerthServer;
  const a: UpPackage = { name: 'pa', bytes: syntheticRpm('pa'), href: 'pa-1.0-1.noarch.rpm' };
  const b: UpPackage = { name: 'pb', bytes: syntheticRpm('pb'), href: 'pb-1.0-1.noarch.rpm' };
  /** Upstream at a fixed <revision> of its own. */
  const publishUpstream = (revision: number, pkgs: UpPackage[]): void => {
    const primary = primaryXml(pkgs);
    const records = [{ type: 'primary', href: `repodata/r${revision}-primary.xml`, bytes: primary }];
    up.set('/up/repodata/repomd.xml', { kind: 'body', body: repomdXml(records).replace('<revision>1700000000</revision>', `<revision>${revision}</revision>`) });
    up.set(`/up/${records[0]!.href}`, { kind: 'body', body: primary });
    for (const p of pkgs) up.set(`/up/${p.href}`, { kind: 'body', body: p.bytes });
  };
  const api = (method: string, path: string, body?: unknown): Promise<Response> => fetch(`${server.url}${path}`, {
    method, headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' }, ...(body ? { body: JSON.stringify(body) } : {}),
  });
  const mirrorRun = async (force = false): Promise<{ ok: boolean; revision: number }> => {
    const res = await api('POST', `/api/v1/repos/acme/m/mirror/run${force ? '?force=1' : ''}`);
    expect(res.status).toBe(200);
    return (await res.json()) as { ok: boolean; revision: number };
  };

  beforeAll(async () => {
    up = await startHostile('127.0.0.1');
    server = await startBerthServer({
      data: mkdtempSync(join(tmpdir(), 'berth-cursor-')),
      env: { BERTH_ADMIN_TOKEN: ADMIN, BERTH_MIRROR_INTERVAL: '0', BERTH_EGRESS_ALLOW: '127.0.0.1' },
    });
    expect((await api('POST', '/api/v1/tenants', { name: 'acme' })).status).toBe(201);
    expect((await api('POST', '/api/v1/tenants/acme/repos', { name: 'm', public: true, allowUnsigned: true })).status).toBe(201);
    expect((await api('POST', '/api/v1/repos/acme/m/mirror', { from: `${up.url}/up/`, verify: false })).status).toBe(201);
  }, 60_000);
  afterAll(async () => {
    if (server) expect(await server.stop()).toBe(0);
    await up?.close();
  });

  it('serves its own revision beside upstream\'s repomd.xml, and sync follows it', async () => {
    publishUpstream(3, [a]);
    expect(await mirrorRun()).toMatchObject({ ok: true, revision: 1 });
    // forced runs of an unchanged upstream: Berth's revision moves on, upstream's stays 3
    for (let i = 0; i < 3; i++) expect((await mirrorRun(true)).ok).toBe(true);
    const served = await fetch(`${server.url}/acme/m/repodata/repomd.xml`);
    expect(served.headers.get('berth-revision')).toBe('4');
    expect(await served.text()).toContain('<revision>3</revision>');

    const dir = mkdtempSync(join(tmpdir(), 'berth-cursor-dir-'));
    const first = await sync({ url: `${server.url}/acme/m`, dir, platform: nodePlatform, noVerify: true });
    expect(first).toMatchObject({ fetched: { packages: 1 }, revision: '3' });

    // upstream's <revision> moves to 4 — inside the range of Berth's forced no-op runs (3..4)
    publishUpstream(4, [a, b]);
    expect(await mirrorRun()).toMatchObject({ ok: true, revision: 5 });
    const second = await sync({ url: `${server.url}/acme/m`, dir, platform: nodePlatform, noVerify: true });
    expect(second).toMatchObject({ changesFeed: 'changed', fetched: { packages: 1 }, reused: { packages: 1 } });
    expect(existsSync(join(dir, b.href))).toBe(true);
  }, 120_000);
});
