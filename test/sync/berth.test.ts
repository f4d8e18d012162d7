// berth sync from a private Berth repo (real `berth serve`, signed packages, read token as
// Basic auth, TOFU on the repo's metadata key, the changes feed), then the copy served to the
// "LAN" by `berth serve --dir --read-only` and installed from by dnf over HTTP.
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { berth, berthCliPresent } from '../helpers/berth.js';
import { disposeDnfWork } from '../helpers/dnf.js';
import { disposeTestKeyring, rpmSign, testKeyring, type TestKeyring } from '../helpers/gpg.js';
import { buildMany } from '../helpers/rpmbuild.js';
import { berthAs, eventually, jsonOf, startBerthServer, type BerthServer } from '../helpers/service.js';
import { announceSkip, skipReason } from '../helpers/tools.js';
import { dnfClient, repoProblems, startDirServe, type Upstream } from './support.js';

const reason = skipReason({ tools: ['dnf', 'rpm', 'rpmbuild', 'rpmsign', 'gpg'], root: true }) ?? (berthCliPresent() ? null : 'berth CLI not present');
announceSkip('sync from a Berth repo', reason);

const ADMIN = `op-sync-${process.pid}-secret-xxxxxxxx`;
const work = mkdtempSync(join(tmpdir(), 'berth-sync-b-'));

describe.skipIf(reason !== null)('berth sync from a Berth repo', () => {
  let server: BerthServer;
  let keys: TestKeyring;
  let pkgs: string[];
  let publish = '';
  let read = '';
  const dir = join(work, 'edge');
  const url = (): string => `${server.url}/acme/edge`;
  /** Requests for packages the server logged since `from` lines of its log. */
  const packageGets = (from: number): string[] => server.stderr().split('\n').slice(from)
    .filter((l) => l.includes('"msg":"request"') && l.includes('.rpm')).map((l) => (JSON.parse(l) as { path: string }).path);
  const logLines = (): number => server.stderr().split('\n').length - 1;
  const sync = async (extra: readonly string[] = [], token = read) => {
    const r = await berth(['sync', url(), dir, '--json', ...extra], { allowFail: true, env: { BERTH_TOKEN: token }, timeoutMs: 120_000 });
    return { ...r, json: r.code === 0 ? jsonOf<Record<string, unknown>>(r) : null };
  };
  const waitForRevision = (revision: number): Promise<number> => eventually(`repomd revision ${revision}`, async () => {
    const res = await fetch(`${url()}/repodata/repomd.xml`, { headers: { authorization: `Bearer ${read}` } });
    const m = /<revision>(\d+)<\/revision>/.exec(await res.text());
    return m && Number(m[1]) >= revision ? Number(m[1]) : undefined;
  });
  let firstRevision = 0;
  const push = async (files: string[]): Promise<number> => {
    const r = await berthAs(server, publish, ['push', 'acme/edge', '--json', ...files]);
    expect(r.code, r.stderr).toBe(0);
    return Math.max(...jsonOf<{ results: { revision: number }[] }>(r).results.map((x) => x.revision));
  };

  beforeAll(async () => {
    keys = await testKeyring();
    pkgs = await buildMany(5, join(work, 'rpms'));
    await rpmSign(pkgs, 'rsa');
    server = await startBerthServer({ data: join(work, 'data'), env: { BERTH_ADMIN_TOKEN: ADMIN } });
    for (const args of [['tenant', 'create', 'acme'], ['repo', 'create', 'acme/edge']]) expect((await berthAs(server, ADMIN, args)).code).toBe(0);
    const admin = jsonOf<{ token: string }>(await berthAs(server, ADMIN, ['token', 'create', 'acme', '--scope', 'admin', '--json'])).token;
    expect((await berthAs(server, admin, ['key', 'add', 'acme', keys.rsa.publicKeyFile])).code).toBe(0);
    publish = jsonOf<{ token: string }>(await berthAs(server, admin, ['token', 'create', 'acme', '--scope', 'publish', '--json'])).token;
    read = jsonOf<{ token: string }>(await berthAs(server, admin, ['token', 'create', 'acme', '--scope', 'read', '--json'])).token;
    firstRevision = await waitForRevision(await push(pkgs.slice(0, 4)));
  }, 300_000);

  afterAll(async () => {
    if (server) expect(await server.stop()).toBe(0);
    await disposeTestKeyring();
    disposeDnfWork(work);
  }, 60_000);

  it('refuses without a key choice, and without the token (private repo)', async () => {
    const none = await sync([]);
    expect(none.code).toBe(1);
    expect(none.stderr).toMatch(/sync\.no-key/);
    const anon = await sync(['--trust-server-key'], '');
    expect(anon.code).toBe(1);
    expect(anon.stderr).toMatch(/401.*BERTH_TOKEN.*\(sync\.http\)/);
    // the publisher key did not sign the metadata: refused, nothing written
    const wrong = await sync(['--key', keys.rsa.publicKeyFile]);
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toMatch(/sync\.bad-signature/);
    expect(existsSync(join(dir, 'repodata'))).toBe(false);
  }, 120_000);

  it('initial sync trusts the server key on first use (printed, pinned), verifies everything', async () => {
    const r = await sync(['--trust-server-key']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/trusting the server's metadata key [0-9A-F]{40}/);
    // publishes that arrive together share an index commit: 4 packages, up to 4 revisions
    expect(r.json).toMatchObject({ fetched: { packages: 4, metadata: 3 }, revision: String(firstRevision), primaryParsed: true });
    expect(repoProblems(dir)).toEqual([]);
    expect(readFileSync(join(dir, 'repodata', 'repomd.xml.key'), 'utf8')).toContain('BEGIN PGP PUBLIC KEY BLOCK');
    expect(existsSync(join(dir, '.berth-sync', 'server-key.asc'))).toBe(true);
  }, 120_000);

  it('unchanged: no package requests; a new package: only it is fetched', async () => {
    const mark = logLines();
    const same = await sync(['--trust-server-key']);
    expect(same.json).toMatchObject({ upToDate: true, requests: 1 });
    expect(packageGets(mark)).toEqual([]);

    await waitForRevision(await push([pkgs[4]!]));
    const mark2 = logLines();
    const r = await sync(['--trust-server-key']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.json).toMatchObject({ fetched: { packages: 1 }, reused: { packages: 4 }, changesFeed: 'changed', primaryParsed: true });
    expect(packageGets(mark2).map((p) => basename(p))).toEqual([basename(pkgs[4]!)]);
    expect(repoProblems(dir)).toEqual([]);
  }, 120_000);

  it('the changes feed, asked with Berth\'s own revision, agrees when the package set did not change', async () => {
    const listed = await fetch(`${server.url}/api/v1/repos/acme/edge/packages`, { headers: { authorization: `Bearer ${read}` } });
    const victim = ((await listed.json()) as { packages: { sha256: string }[] }).packages[0]!;
    const del = await fetch(`${server.url}/api/v1/repos/acme/edge/packages/${victim.sha256}`, { method: 'DELETE', headers: { authorization: `Bearer ${publish}` } });
    expect(del.status).toBe(200);
    const file = pkgs.find((f) => createHash('sha256').update(readFileSync(f)).digest('hex') === victim.sha256)!;
    const rev = await push([file]); // same bytes back: new revision, same package set
    await waitForRevision(rev);
    const feed = await fetch(`${server.url}/api/v1/repos/acme/edge/changes?since=5&until=${rev}`, { headers: { authorization: `Bearer ${read}` } });
    expect(await feed.json()).toEqual({ from: 5, to: rev, added: [], removed: [], metadata: [], complete: true });
    const mark = logLines();
    const r = await sync(['--trust-server-key']);
    expect(r.code, r.stderr).toBe(0);
    // primary.xml is read anyway (DIR must never hold metadata naming a file it lacks); the feed agrees
    expect(r.json).toMatchObject({ changesFeed: 'unchanged', primaryParsed: true, fetched: { packages: 0 }, revision: String(rev) });
    expect(r.stderr).not.toMatch(/changes feed said nothing changed/);
    expect(packageGets(mark)).toEqual([]);
    expect(repoProblems(dir)).toEqual([]);
  }, 120_000);

  it('berth serve --dir --read-only serves the copy; dnf installs from it over HTTP', async () => {
    let lan: Upstream | null = null;
    try {
      lan = await startDirServe(dir);
      const key = await fetch(`${lan.url}/repodata/repomd.xml.key`);
      expect(key.status).toBe(200);
      expect((await fetch(`${lan.url}/.berth-sync/server-key.asc`)).status).toBe(404);
      expect((await fetch(`${lan.url}/repodata/repomd.xml`, { method: 'DELETE' })).status).toBe(405);
      const c = dnfClient(join(work, 'dnf-lan'), lan.url, [`${lan.url}/repodata/repomd.xml.key`, `file://${keys.rsa.publicKeyFile}`]);
      const i = await c.dnf(['install', 'berth-bench-5']);
      expect(i.code, i.stdout + i.stderr).toBe(0);
      expect(await c.installed('berth-bench-5')).toBe('berth-bench-5-1.0-1.noarch');
      expect(lan.requests().some((q) => q.path.endsWith('berth-bench-5-1.0-1.noarch.rpm') && q.status === 200)).toBe(true);
    } finally {
      await lan?.stop();
    }
  }, 180_000);
});
