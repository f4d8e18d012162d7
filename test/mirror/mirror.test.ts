// Mirroring end to end: an upstream repo built at test time (signed packages, createrepo_c,
// signed repomd.xml) served by nginx; `berth serve` as a child process driven by the CLI; real
// dnf installing from the mirror. nginx's access log shows exactly what each run fetched.
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { berthCliPresent } from '../helpers/berth.js';
import { dnfClient as confinedDnf, disposeDnfWork, dnfWithRepoFile, withReadToken, type DnfClient } from '../helpers/dnf.js';
import { disposeTestKeyring, rpmSign, testKeyring, type TestKeyring } from '../helpers/gpg.js';
import { run, type RunResult } from '../helpers/run.js';
import { berthAs, eventually, jsonOf, startBerthServer, type BerthServer } from '../helpers/service.js';
import { announceSkip, findTool, isRoot, skipReason } from '../helpers/tools.js';
import { buildBench, publishUpstream, startNginx, type Nginx } from './upstream.js';

const reason = skipReason({ tools: ['nginx', 'createrepo_c', 'rpm', 'rpmbuild', 'rpmsign', 'gpg'] }) ??
  (berthCliPresent() ? null : 'berth CLI not present');
announceSkip('mirror end-to-end', reason);
const dnfReason = reason ?? (findTool('dnf') === null ? 'dnf not installed' : isRoot() ? null : 'needs root (dnf --installroot)');
announceSkip('mirror end-to-end with dnf', dnfReason === reason ? null : dnfReason);

const ADMIN = `op-${'m'.repeat(12)}-${process.pid}-secret`;

interface Summary {
  ok: boolean;
  outcome: string;
  revision: number | null;
  signedBy: string | null;
  requests: number;
  packages: { upstream: number; selected: number; added: number; removed: number; fetched: number; reused: number };
  warnings: string[];
  error?: { code: string; detail: string };
}

describe.skipIf(reason !== null)('mirror an upstream repository', () => {
  const work = mkdtempSync(join(tmpdir(), 'berth-mirror-'));
  const upstream = join(work, 'upstream');
  const pool = join(work, 'pool');
  let nginx: Nginx;
  let server: BerthServer;
  let keys: TestKeyring;
  let admin = '';
  let read = '';
  let v1: string[] = [];
  let seen = 0;

  /** Requests nginx logged since the last call. */
  const newRequests = (): string[] => {
    const all = nginx.requests();
    const out = all.slice(seen);
    seen = all.length;
    return out;
  };
  const rpmRequests = (lines: string[]): string[] => lines.filter((l) => /\.rpm \d+$/.test(l)).map((l) => basename(l.split(' ')[1] ?? '')).sort();
  const cli = (args: string[]): Promise<RunResult> => berthAs(server, admin, args);
  const runMirror = async (repo: string): Promise<Summary> => {
    newRequests();
    const r = await cli(['mirror', 'run', `acme/${repo}`, '--json']);
    const s = jsonOf<Summary>(r);
    expect(r.code, r.stderr).toBe(s.ok ? 0 : 1);
    return s;
  };
  const get = (path: string): Promise<Response> =>
    fetch(`${server.url}${path}`, { headers: { authorization: `Basic ${Buffer.from(`dnf:${read}`).toString('base64')}` } });
  const served = async (repo: string): Promise<{ repomd: string; count: number }> => {
    const repomd = await (await get(`/acme/${repo}/repodata/repomd.xml`)).text();
    const list = (await (await get(`/api/v1/repos/acme/${repo}/packages`)).json()) as { packages: unknown[] };
    return { repomd, count: list.packages.length };
  };
  const addUpstream = (files: string[]): void => files.forEach((f) => copyFileSync(f, join(upstream, basename(f))));

  beforeAll(async () => {
    keys = await testKeyring();
    mkdirSync(upstream, { recursive: true });
    // berth-bench-1..32 at 1.0, and 1..3 again at 2.0 (for newest-N)
    const one = await buildBench(32, '1.0', join(pool, 'v1'));
    const two = await buildBench(3, '2.0', join(pool, 'v2'));
    await rpmSign([...one, ...two], 'rsa');
    v1 = one.sort((a, b) => Number(/bench-(\d+)-/.exec(a)?.[1]) - Number(/bench-(\d+)-/.exec(b)?.[1]));
    addUpstream([...v1.slice(0, 20), ...two]);
    await publishUpstream(upstream);
    nginx = await startNginx(upstream, join(work, 'nginx'));
    // the upstream is on loopback, which the egress policy refuses unless the operator allows it
    server = await startBerthServer({ data: join(work, 'data'), env: { BERTH_ADMIN_TOKEN: ADMIN, BERTH_MIRROR_INTERVAL: '0', BERTH_EGRESS_ALLOW: '127.0.0.1' } });

    expect((await berthAs(server, ADMIN, ['tenant', 'create', 'acme'])).code).toBe(0);
    for (const r of ['full', 'sub', 'typo']) expect((await berthAs(server, ADMIN, ['repo', 'create', `acme/${r}`])).code).toBe(0);
    admin = jsonOf<{ token: string }>(await berthAs(server, ADMIN, ['token', 'create', 'acme', '--scope', 'admin', '--json'])).token;
    read = jsonOf<{ token: string }>(await berthAs(server, ADMIN, ['token', 'create', 'acme', '--scope', 'read', '--json'])).token;
    expect((await cli(['key', 'add', 'acme', keys.rsa.publicKeyFile])).code).toBe(0);
  }, 300_000);

  afterAll(async () => {
    if (server) expect(await server.stop()).toBe(0);
    await nginx?.stop();
    await disposeTestKeyring();
    disposeDnfWork(work);
  }, 60_000);

  it('refuses a complete mirror without the upstream key unless verification is off explicitly', async () => {
    const r = await cli(['mirror', 'create', 'acme/full', '--from', `${nginx.url}/`, '--json']);
    expect(r.code).toBe(1);
    expect(jsonOf<{ error: { code: string } }>(r).error.code).toBe('mirror_key_required');
    const c = await cli(['mirror', 'create', 'acme/full', '--from', `${nginx.url}/`, '--key', keys.rsa.publicKeyFile, '--json']);
    expect(c.code, c.stderr).toBe(0);
    expect(jsonOf(c)).toMatchObject({ mode: 'complete', verify: true, keyFingerprints: [keys.rsa.fingerprint.toUpperCase()] });
  }, 60_000);

  it('complete mode: stores upstream metadata bit for bit and every package', async () => {
    const s = await runMirror('full');
    expect(s).toMatchObject({ ok: true, outcome: 'updated', signedBy: keys.rsa.fingerprint.toUpperCase() });
    expect(s.packages).toMatchObject({ upstream: 23, selected: 23, added: 23, fetched: 23 });
    const upstreamRepomd = readFileSync(join(upstream, 'repodata', 'repomd.xml'), 'utf8');
    const mine = await served('full');
    expect(mine.repomd).toBe(upstreamRepomd);
    expect(mine.count).toBe(23);
    expect(await (await get('/acme/full/repodata/repomd.xml.asc')).text()).toBe(readFileSync(join(upstream, 'repodata', 'repomd.xml.asc'), 'utf8'));
    // every metadata file of a type dnf reads, at the same href, same bytes; createrepo_c 0.17's
    // sqlite files (*_db, which dnf never reads) are neither stored nor served
    const records = [...upstreamRepomd.matchAll(/<data type="([^"]+)">[\s\S]*?<location href="(repodata\/[^"]+)"/g)];
    expect(records.map((m) => m[1]).sort()).toEqual(['filelists', 'filelists_db', 'other', 'other_db', 'primary', 'primary_db']);
    expect((s as unknown as { metadataSkipped: string[] }).metadataSkipped.sort()).toEqual(['filelists_db', 'other_db', 'primary_db']);
    for (const [, type, href] of records) {
      const res = await get(`/acme/full/${href}`);
      if (type!.endsWith('_db')) {
        expect(res.status, href).toBe(404);
        continue;
      }
      expect(res.status, href).toBe(200);
      expect(Buffer.from(await res.arrayBuffer()).equals(readFileSync(join(upstream, href!))), href).toBe(true);
    }
    // packages at upstream's hrefs (createrepo_c here: the file name at the root)
    const pkg = await get(`/acme/full/${basename(v1[0]!)}`);
    expect(pkg.status).toBe(200);
    expect(Buffer.from(await pkg.arrayBuffer()).equals(readFileSync(v1[0]!))).toBe(true);
  }, 300_000);

  it('complete mode: publishing or deleting there is refused with 409 mirror_repo', async () => {
    const body = readFileSync(v1[25]!);
    const res = await fetch(`${server.url}/api/v1/repos/acme/full/packages`, {
      method: 'PUT', headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/x-rpm' }, body,
    });
    expect(res.status).toBe(409);
    expect(((await res.json()) as { code: string }).code).toBe('mirror_repo');
  }, 60_000);

  it.skipIf(dnfReason !== null)('complete mode: dnf installs with the upstream key (repo_gpgcheck, gpgcheck, Basic auth)', async () => {
    const c = dnfClient(work, 'full', `${server.url}/acme/full`, read, [`file://${keys.rsa.publicKeyFile}`]);
    const r = await c.dnf(['install', 'berth-bench-2', 'berth-bench-7']);
    expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0);
    const q = await c.rpmQuery(['berth-bench-2', 'berth-bench-7']);
    expect(q.stdout.trim().split('\n').sort()).toEqual(['berth-bench-2-2.0-1.noarch', 'berth-bench-7-1.0-1.noarch']);
  }, 300_000);

  it.skipIf(dnfReason !== null)('complete mode: dnf installs with exactly the served config.repo (upstream key, read token filled in)', async () => {
    const res = await fetch(`${server.url}/acme/full/config.repo`, { headers: { authorization: `Bearer ${read}` } });
    expect(res.status).toBe(200);
    const text = await res.text();
    // repomd.xml.key of a complete mirror is upstream's key, which signed the served repomd.xml
    const served = await (await fetch(`${server.url}/acme/full/repodata/repomd.xml.key`, { headers: { authorization: `Bearer ${read}` } })).text();
    expect(served).toContain('BEGIN PGP PUBLIC KEY BLOCK');
    expect(/^gpgkey=(.*)$/m.exec(text)?.[1]?.split(' ')).toEqual([
      `${server.url}/acme/full/repodata/repomd.xml.key`, `${server.url}/keys/${keys.rsa.fingerprint.toUpperCase()}.asc`,
    ]);
    expect((await fetch(`${server.url}/keys/${keys.rsa.fingerprint.toUpperCase()}.asc`)).status).toBe(200);
    const c = dnfWithRepoFile(join(work, 'served-config'), 'acme-full', withReadToken(text, read));
    const r = await c.dnf(['install', 'berth-bench-3']);
    expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0);
    expect(await c.installed('berth-bench-3')).toMatch(/^berth-bench-3-/);
  }, 300_000);

  it('an unchanged upstream costs one request and no package', async () => {
    const s = await runMirror('full');
    expect(s).toMatchObject({ ok: true, outcome: 'unchanged', requests: 1 });
    const reqs = newRequests();
    expect(reqs).toEqual(['GET /repodata/repomd.xml 200']);
  }, 60_000);

  it('ten packages added upstream: exactly those ten are fetched, with the new metadata', async () => {
    const before = await served('full');
    addUpstream(v1.slice(20, 30));
    await publishUpstream(upstream);
    const s = await runMirror('full');
    expect(s).toMatchObject({ ok: true, outcome: 'updated' });
    expect(s.packages).toMatchObject({ upstream: 33, added: 10, removed: 0, fetched: 10, reused: 0 });
    const reqs = newRequests();
    expect(rpmRequests(reqs)).toEqual(v1.slice(20, 30).map((f) => basename(f)).sort());
    expect(reqs.filter((l) => !l.endsWith('.rpm 200')).every((l) => /^GET \/repodata\//.test(l))).toBe(true);
    expect(reqs).toContain('GET /repodata/repomd.xml.asc 200');
    const after = await served('full');
    expect(after.count).toBe(33);
    expect(after.repomd).not.toBe(before.repomd);
    expect(after.repomd).toBe(readFileSync(join(upstream, 'repodata', 'repomd.xml'), 'utf8'));
  }, 300_000);

  it('filtered mode: only matching packages (globs, newest-N), downloaded for this repo, signed by the repo key', async () => {
    const c = await cli(['mirror', 'create', 'acme/sub', '--from', nginx.url, '--key', keys.rsa.publicKeyFile,
      '--include', 'berth-bench-1*', '--exclude', 'berth-bench-11', '--newest', '1', '--json']);
    expect(c.code, c.stderr).toBe(0);
    expect(jsonOf(c)).toMatchObject({ mode: 'filtered', newest: 1 });
    const s = await runMirror('sub');
    expect(s).toMatchObject({ ok: true, outcome: 'updated' });
    // 1 (2.0 only), 10, 12..19: stored for the tenant by acme/full already, but a repo never takes
    // bytes over from another repo (its admin may not be able to read it): downloaded again
    expect(s.packages).toMatchObject({ selected: 10, added: 10, fetched: 10, reused: 0 });
    expect(rpmRequests(newRequests())).toHaveLength(10);
    const list = (await (await get('/api/v1/repos/acme/sub/packages')).json()) as { packages: { name: string; version: string }[] };
    expect(list.packages.map((p) => `${p.name}-${p.version}`).sort()).toEqual(
      ['berth-bench-1-2.0', 'berth-bench-10-1.0', ...[12, 13, 14, 15, 16, 17, 18, 19].map((n) => `berth-bench-${n}-1.0`)].sort());
    const repomd = await eventually('filtered metadata', async () => {
      const res = await get('/acme/sub/repodata/repomd.xml');
      if (res.status !== 200) return undefined;
      const text = await res.text();
      return Number(/<revision>(\d+)<\/revision>/.exec(text)?.[1]) >= (s.revision ?? 1) ? text : undefined;
    });
    expect(repomd).not.toBe(readFileSync(join(upstream, 'repodata', 'repomd.xml'), 'utf8'));
    // the signature is the repo's: it verifies with repomd.xml.key, not with the upstream key
    const dir = join(work, 'sub-check');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'repomd.xml'), repomd);
    writeFileSync(join(dir, 'repomd.xml.asc'), await (await get('/acme/sub/repodata/repomd.xml.asc')).text());
    writeFileSync(join(dir, 'key.asc'), await (await get('/acme/sub/repodata/repomd.xml.key')).text());
    const gv = await run(findTool('gpgv') ?? 'gpgv', ['--keyring', await dearmor(dir), join(dir, 'repomd.xml.asc'), join(dir, 'repomd.xml')], { allowFail: true });
    expect(gv.code, gv.stderr).toBe(0);
  }, 300_000);

  it('filters that select nothing warn (JSON and human output), and the run still succeeds', async () => {
    const c = await cli(['mirror', 'create', 'acme/typo', '--from', nginx.url, '--key', keys.rsa.publicKeyFile, '--include', 'berth-bnech-*', '--arch', 'x86_64', '--json']);
    expect(c.code, c.stderr).toBe(0);
    const s = await runMirror('typo');
    expect(s).toMatchObject({ ok: true, packages: { selected: 0 } });
    expect(s.warnings).toEqual([`the filters (include berth-bnech-*; arch x86_64) select none of the ${s.packages.upstream} upstream packages: the repository will be empty`]);
    const human = await cli(['mirror', 'run', 'acme/typo', '--force']);
    expect(human.stdout).toMatch(/^warning: the filters \(include berth-bnech-\*; arch x86_64\) select none/m);
    // the noarch packages upstream are kept by an arch filter
    const arch = await cli(['mirror', 'create', 'acme/typo', '--from', nginx.url, '--key', keys.rsa.publicKeyFile, '--arch', 'x86_64', '--include', 'berth-bench-2', '--json']);
    expect(arch.code, arch.stderr).toBe(0);
    expect((await runMirror('typo')).packages).toMatchObject({ selected: 2 });
  }, 300_000);

  it.skipIf(dnfReason !== null)('filtered mode: dnf installs with the repo key', async () => {
    const c = dnfClient(work, 'sub', `${server.url}/acme/sub`, read, [`${server.url}/acme/sub/repodata/repomd.xml.key`, `file://${keys.rsa.publicKeyFile}`]);
    const r = await c.dnf(['install', 'berth-bench-1', 'berth-bench-12']);
    expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0);
    const missing = await c.dnf(['install', 'berth-bench-2']);
    expect(missing.code).not.toBe(0);
  }, 300_000);

  it('a tampered package (re-indexed upstream) is refused: nothing published, the previous state still served', async () => {
    const before = await served('full');
    const bad = join(upstream, basename(v1[30]!));
    const bytes = readFileSync(v1[30]!);
    bytes[bytes.length - 1]! ^= 0xff;
    writeFileSync(bad, bytes);
    await publishUpstream(upstream);
    const s = await runMirror('full');
    expect(s).toMatchObject({ ok: false, outcome: 'failed', error: { code: 'package_signature' } });
    expect(s.error?.detail).toContain('berth-bench-31');
    expect(await served('full')).toEqual(before);
    rmSync(bad);
  }, 300_000);

  it('a package that does not match primary.xml is refused the same way', async () => {
    const before = await served('full');
    const target = join(upstream, basename(v1[31]!));
    copyFileSync(v1[31]!, target);
    await publishUpstream(upstream);
    const bytes = readFileSync(target);
    bytes[bytes.length - 1]! ^= 0xff;
    writeFileSync(target, bytes);
    const s = await runMirror('full');
    expect(s).toMatchObject({ ok: false, error: { code: 'package_checksum_mismatch' } });
    expect(await served('full')).toEqual(before);
    rmSync(target);
    await publishUpstream(upstream);
  }, 300_000);

  it('a bad repomd.xml signature is refused before any package is fetched', async () => {
    const before = await served('full');
    addUpstream([v1[30]!]);
    await publishUpstream(upstream, 'ed25519');
    const s = await runMirror('full');
    expect(s).toMatchObject({ ok: false, error: { code: 'repomd_bad_signature' } });
    expect(rpmRequests(newRequests())).toEqual([]);
    expect(await served('full')).toEqual(before);

    // re-signed by the right key, the same content goes through: one package
    await publishUpstream(upstream, 'rsa');
    const ok = await runMirror('full');
    expect(ok).toMatchObject({ ok: true, outcome: 'updated' });
    expect(rpmRequests(newRequests())).toEqual([basename(v1[30]!)]);
    expect((await served('full')).count).toBe(34);
  }, 300_000);
});

/** A binary keyring for gpgv from the armored key in `dir/key.asc`. */
async function dearmor(dir: string): Promise<string> {
  const out = join(dir, 'key.gpg');
  await run(findTool('gpg') ?? 'gpg', ['--batch', '--yes', '--homedir', dir, '--output', out, '--dearmor', join(dir, 'key.asc')]);
  return out;
}

/** A dnf that sees only one Berth repo, as user `dnf` with `password`. */
function dnfClient(work: string, name: string, baseurl: string, password: string, gpgkeys: string[]): DnfClient {
  return confinedDnf(join(work, `dnf-${name}`), { id: 'mirror', name: 'Berth mirror', baseurl, gpgkeys, password });
}
