// End to end: `berth serve` as a child process, driven only through the `berth` CLI and HTTP,
// with real dnf installing from it (repo_gpgcheck=1 against the repo's own metadata key,
// gpgcheck=1 against the publisher key). Once on the embedded store, once on Azurite.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAzurite, azuriteUnavailableReason, type Azurite } from '../helpers/azurite.js';
import { berthCliPresent } from '../helpers/berth.js';
import { dnfClient, disposeDnfWork, type DnfClient } from '../helpers/dnf.js';
import { disposeTestKeyring, rpmSign, testKeyring, type TestKeyring } from '../helpers/gpg.js';
import { buildMany, rpmbuild, specBytes } from '../helpers/rpmbuild.js';
import { berthAs, eventually, jsonOf, startBerthServer, type BerthServer } from '../helpers/service.js';
import { announceSkip, skipReason } from '../helpers/tools.js';

const reason = skipReason({ tools: ['dnf', 'rpm', 'rpmbuild', 'rpmsign', 'gpg'], root: true }) ??
  (berthCliPresent() ? null : 'berth CLI not present');
announceSkip('service end-to-end', reason);
const azuriteReason = reason ?? azuriteUnavailableReason();
announceSkip('service end-to-end on Azurite', azuriteReason === reason ? null : azuriteReason);

const ADMIN = `op-${'x'.repeat(12)}-${process.pid}-secret`;
const work = mkdtempSync(join(tmpdir(), 'berth-svc-'));

interface Packages {
  /** The 20 pushed first: 18 bench packages + berth-lib + berth-app. */
  initial: string[];
  /** Pushed later, to see an update reach dnf. */
  later: string;
}

let built: Promise<Packages> | null = null;
function packages(): Promise<Packages> {
  built ??= (async () => {
    const dir = join(work, 'rpms');
    const bench = await buildMany(19, dir);
    const lib = await rpmbuild('berth-lib', specBytes('berth-lib'), dir);
    const app = await rpmbuild('berth-app', specBytes('berth-app'), dir);
    const all = [...bench, ...lib, ...app];
    await rpmSign(all, 'rsa');
    const later = bench.find((f) => basename(f).startsWith('berth-bench-19-'));
    if (later === undefined) throw new Error(`berth-bench-19 not built: ${bench.join(', ')}`);
    return { initial: all.filter((f) => f !== later), later };
  })();
  return built;
}

afterAll(async () => {
  await disposeTestKeyring();
  disposeDnfWork(work);
});

/** A dnf that sees only the berth repo, as user `dnf` with `password`. */
function client(name: string, baseurl: string, password: string, gpgkeys: string[]): DnfClient {
  return dnfClient(join(work, name), { id: 'berth', name: 'Berth service', baseurl, gpgkeys, password });
}

interface PushJson {
  results: Array<{ file: string; ok: boolean; status: number; created?: boolean; sha256?: string; nevra?: string; revision?: number; code?: string }>;
  failed: number;
}

function scenario(label: string, skip: string | null, storageEnv: () => Promise<Record<string, string>>, cleanup: () => Promise<void>) {
  // Used in paths: dnf splits reposdir on whitespace.
  const slug = label.toLowerCase().replace(/[^a-z0-9]+/g, '-');
  describe.skipIf(skip !== null)(`berth serve end to end (${label})`, () => {
    let server: BerthServer;
    let keys: TestKeyring;
    let pkgs: Packages;
    let admin = '';
    let publish = '';
    let read = '';
    let pushed: PushJson;
    const repoUrl = (): string => `${server.url}/acme/main`;
    const basic = (): string => `Basic ${Buffer.from(`dnf:${read}`).toString('base64')}`;

    /** Waits until the served repomd.xml is built from index revision >= `revision`. */
    const waitForRevision = (revision: number): Promise<number> => eventually(`repomd revision ${revision}`, async () => {
      const res = await fetch(`${repoUrl()}/repodata/repomd.xml`, { headers: { authorization: basic() } });
      if (res.status !== 200) return undefined;
      const m = /<revision>(\d+)<\/revision>/.exec(await res.text());
      return m && Number(m[1]) >= revision ? Number(m[1]) : undefined;
    });

    beforeAll(async () => {
      [pkgs, keys] = await Promise.all([packages(), testKeyring()]);
      const data = join(work, `${slug}-data`);
      server = await startBerthServer({ data, env: { BERTH_ADMIN_TOKEN: ADMIN, ...(await storageEnv()) } });
    }, 300_000);

    afterAll(async () => {
      if (server) {
        const code = await server.stop();
        expect(code, server.stderr().slice(-2000)).toBe(0);
        // Secrets never reach the log, whatever happened.
        for (const secret of [ADMIN, admin, publish, read].filter((s) => s !== '')) expect(server.stderr()).not.toContain(secret);
      }
      await cleanup();
    }, 60_000);

    it('sets up a tenant, a private repo, a trusted key and scoped tokens with the CLI', async () => {
      const t = await berthAs(server, ADMIN, ['tenant', 'create', 'acme', '--json']);
      expect(t.code, t.stderr).toBe(0);
      expect(jsonOf(t)).toMatchObject({ name: 'acme' });
      const r = await berthAs(server, ADMIN, ['repo', 'create', 'acme/main', '--json']);
      expect(r.code, r.stderr).toBe(0);
      expect(jsonOf(r)).toMatchObject({ name: 'main', public: false, allowUnsigned: false });

      const a = await berthAs(server, ADMIN, ['token', 'create', 'acme', '--scope', 'admin', '--json']);
      expect(a.code, a.stderr).toBe(0);
      admin = jsonOf<{ token: string }>(a).token;
      const k = await berthAs(server, admin, ['key', 'add', 'acme', keys.rsa.publicKeyFile, '--json']);
      expect(k.code, k.stderr).toBe(0);
      expect(String(jsonOf(k)['fingerprint']).toUpperCase()).toBe(keys.rsa.fingerprint.toUpperCase());

      const p = await berthAs(server, admin, ['token', 'create', 'acme', '--scope', 'publish', '--repo', 'main', '--json']);
      const rd = await berthAs(server, admin, ['token', 'create', 'acme', '--scope', 'read', '--expires', '1d', '--json']);
      expect([p.code, rd.code]).toEqual([0, 0]);
      publish = jsonOf<{ token: string }>(p).token;
      read = jsonOf<{ token: string; id: string }>(rd).token;
      expect(jsonOf(rd)['id']).toMatch(/^[a-z2-7]{12}$/);
      expect(read).toContain(String(jsonOf(rd)['id']));

      // A read token cannot create tokens; an unknown token is refused outright.
      const denied = await berthAs(server, read, ['token', 'create', 'acme', '--scope', 'admin', '--json']);
      expect(denied.code).toBe(1);
      expect(jsonOf<{ error: { status: number; code: string } }>(denied).error.status).toBe(403);
      expect((await berthAs(server, 'berth_aaaaaaaaaaaa_nope', ['tenant', 'create', 'x'])).code).toBe(1);
    }, 120_000);

    it('pushes 20 signed packages concurrently', async () => {
      const r = await berthAs(server, publish, ['push', 'acme/main', '--jobs', '8', '--json', ...pkgs.initial]);
      pushed = jsonOf<PushJson>(r);
      expect(r.code, r.stderr).toBe(0);
      expect(pushed.failed).toBe(0);
      expect(pushed.results).toHaveLength(20);
      expect(pushed.results.every((x) => x.ok && x.status === 201 && x.created)).toBe(true);
      // None lost; concurrent publishes share index commits (group commit): 20 packages, ≤ 20 revisions.
      const revisions = pushed.results.map((x) => x.revision ?? 0);
      expect(new Set(pushed.results.map((x) => x.sha256)).size).toBe(20);
      expect(Math.min(...revisions)).toBeGreaterThanOrEqual(1);
      expect(Math.max(...revisions)).toBeLessThanOrEqual(20);
      const listed = (await (await fetch(`${server.url}/api/v1/repos/acme/main/packages`, { headers: { authorization: `Bearer ${read}` } })).json()) as { packages: unknown[] };
      expect(listed.packages).toHaveLength(20);

      // Pushing the same bytes again is idempotent (200, nothing changes).
      const again = await berthAs(server, publish, ['push', 'acme/main', '--json', pkgs.initial[0]!]);
      expect(again.code).toBe(0);
      expect(jsonOf<PushJson>(again).results[0]).toMatchObject({ ok: true, status: 200, created: false });

      // A read token may not publish.
      const ro = await berthAs(server, read, ['push', 'acme/main', '--json', pkgs.later]);
      expect(ro.code).toBe(1);
      expect(jsonOf<PushJson>(ro).results[0]).toMatchObject({ ok: false, status: 403 });
      await waitForRevision(Math.max(...revisions));
    }, 180_000);

    it('dnf installs a package with its dependency (repo_gpgcheck + gpgcheck, Basic auth)', async () => {
      const c = client(`${slug}-install`, repoUrl(), read, [`${repoUrl()}/repodata/repomd.xml.key`, `file://${keys.rsa.publicKeyFile}`]);
      const r = await c.dnf(['install', 'berth-app', 'berth-bench-3']);
      expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0);
      const q = await c.rpmQuery(['berth-app', 'berth-lib', 'berth-bench-3']);
      expect(q.code, q.stdout + q.stderr).toBe(0);
      expect(q.stdout.trim().split('\n').sort()).toEqual(['berth-app-2.0-1.noarch', 'berth-bench-3-1.0-1.noarch', 'berth-lib-1.2-1.noarch']);

      // Without credentials the private repo is closed to dnf.
      const anon = await fetch(`${repoUrl()}/repodata/repomd.xml`);
      expect(anon.status).toBe(401);
      expect(anon.headers.get('www-authenticate')).toMatch(/^Basic/);
    }, 300_000);

    it('a later push reaches dnf makecache; a deleted package leaves the metadata', async () => {
      const c = client(`${slug}-update`, repoUrl(), read, [`${repoUrl()}/repodata/repomd.xml.key`, `file://${keys.rsa.publicKeyFile}`]);
      const first = await c.dnf(['makecache']);
      expect(first.code, first.stdout + first.stderr).toBe(0);
      const before = await c.dnf(['-q', 'repoquery', '--qf', '%{name}', 'berth-bench-19']);
      expect(before.stdout.trim()).toBe('');

      const p = await berthAs(server, publish, ['push', 'acme/main', '--json', pkgs.later]);
      expect(p.code, p.stderr).toBe(0);
      await waitForRevision(jsonOf<PushJson>(p).results[0]!.revision!);
      const mc = await c.dnf(['makecache']);
      expect(mc.code, mc.stderr).toBe(0);
      const after = await c.dnf(['-q', 'repoquery', '--qf', '%{name}-%{version}', 'berth-bench-19']);
      expect(after.stdout.trim()).toBe('berth-bench-19-1.0');

      const victim = pushed.results.find((x) => x.nevra?.startsWith('berth-bench-7-'));
      expect(victim?.sha256).toMatch(/^[0-9a-f]{64}$/);
      const del = await fetch(`${server.url}/api/v1/repos/acme/main/packages/${victim!.sha256!}`, {
        method: 'DELETE', headers: { authorization: `Bearer ${publish}` },
      });
      expect(del.status, await del.clone().text()).toBe(200);
      const { revision } = (await del.json()) as { revision: number };
      await waitForRevision(revision);
      const third = await c.dnf(['makecache']);
      expect(third.code, third.stdout + third.stderr).toBe(0);
      const gone = await c.dnf(['-q', 'repoquery', '--qf', '%{name}', 'berth-bench-7', 'berth-bench-8']);
      expect(gone.stdout.trim().split('\n')).toEqual(['berth-bench-8']);
    }, 300_000);

    it('a revoked token stops working at once', async () => {
      const rd = await berthAs(server, admin, ['token', 'create', 'acme', '--scope', 'read', '--json']);
      const { id, token } = jsonOf<{ id: string; token: string }>(rd);
      const ok = await fetch(`${repoUrl()}/repodata/repomd.xml`, { headers: { authorization: `Bearer ${token}` } });
      expect(ok.status).toBe(200);
      const rv = await berthAs(server, admin, ['token', 'revoke', id, '--json']);
      expect(rv.code, rv.stderr).toBe(0);
      const after = await fetch(`${repoUrl()}/repodata/repomd.xml`, { headers: { authorization: `Bearer ${token}` } });
      expect(after.status).toBe(401);
    }, 60_000);
  });
}

scenario('embedded store', reason, async () => ({}), async () => undefined);

let azurite: Azurite | null = null;
scenario(
  'Azurite',
  azuriteReason,
  async () => {
    azurite = await startAzurite();
    if (azurite === null) throw new Error('azurite did not start');
    return { AZURE_STORAGE_CONNECTION_STRING: azurite.connectionString, BERTH_CONTAINER: `berth-e2e-${process.pid}` };
  },
  async () => {
    await azurite?.stop();
    azurite = null;
  },
);
