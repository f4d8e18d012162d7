// berth sync from a plain createrepo_c directory (signed repomd) served by nginx — or by
// `berth serve --dir --read-only` when nginx is absent — into DIR, with real dnf installing
// from DIR. Requests are counted from the server's access log.
import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { berth, berthCliPresent } from '../helpers/berth.js';
import { disposeDnfWork } from '../helpers/dnf.js';
import { detachSign, disposeTestKeyring, rpmSign, testKeyring, type TestKeyring } from '../helpers/gpg.js';
import { mulberry32 } from '../helpers/prng.js';
import { buildMany } from '../helpers/rpmbuild.js';
import { run } from '../helpers/run.js';
import { announceSkip, findTool, hasTool, repoRoot, skipReason } from '../helpers/tools.js';
import { buildBig, dnfClient, packageRequests, repoProblems, startDirServe, startNginx, type Upstream } from './support.js';

const reason = skipReason({ tools: ['dnf', 'rpm', 'rpmbuild', 'rpmsign', 'gpg', 'createrepo_c'], root: true }) ??
  (berthCliPresent() ? null : 'berth CLI not present');
announceSkip('sync from a plain repo', reason);
const useNginx = hasTool('nginx');
if (!useNginx) console.warn('[note] sync tests: nginx absent, using berth serve --dir as the upstream');

const work = mkdtempSync(join(tmpdir(), 'berth-sync-'));
const files = (dir: string): string[] => (existsSync(dir) ? readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name).slice(dir.length + 1)).sort() : []);
const snapshot = (dir: string): Record<string, string> =>
  Object.fromEntries(files(dir).filter((f) => !f.startsWith('.berth-sync')).map((f) => [f, readFileSync(join(dir, f)).toString('base64').slice(0, 64) + readFileSync(join(dir, f)).length]));

interface SyncRun { code: number; stdout: string; stderr: string; json: Record<string, unknown> | null }

async function syncTo(url: string, dir: string, key: string, extra: readonly string[] = []): Promise<SyncRun> {
  const r = await berth(['sync', url, dir, '--key', key, '--json', '--retries', '2', ...extra], { allowFail: true, timeoutMs: 180_000 });
  let json: Record<string, unknown> | null = null;
  try {
    json = JSON.parse(r.stdout) as Record<string, unknown>;
  } catch {
    // failures print to stderr only
  }
  return { ...r, json };
}

describe.skipIf(reason !== null)('berth sync from a plain directory repo', () => {
  const up = join(work, 'upstream');
  const pkgDir = join(up, 'Packages');
  const rpms = join(work, 'rpms');
  let keys: TestKeyring;
  let server: Upstream;
  let small: string[];
  let big: string[];
  let later: string[];

  async function publishUpstream(add: readonly string[]): Promise<void> {
    mkdirSync(pkgDir, { recursive: true });
    for (const f of add) copyFileSync(f, join(pkgDir, basename(f)));
    await run(findTool('createrepo_c') ?? 'createrepo_c', ['-q', '--no-database', '--update', up]);
    await detachSign(join(up, 'repodata', 'repomd.xml'), 'rsa');
  }

  beforeAll(async () => {
    keys = await testKeyring();
    small = await buildMany(6, join(rpms, 'small'));
    big = await buildBig(4, 1_500_000, join(rpms, 'big'));
    later = await buildBig(2, 300_000, join(rpms, 'later'), 10);
    await rpmSign([...small, ...big, ...later], 'rsa');
    await publishUpstream([...small, ...big]);
    // slow enough that SIGKILL lands mid-download; fast enough for the whole file to run in a minute
    server = useNginx ? await startNginx(up, work, '3m') : await startDirServe(up);
  }, 300_000);

  afterAll(async () => {
    await server?.stop();
    await disposeTestKeyring();
    disposeDnfWork(work);
  }, 60_000);

  const dir = join(work, 'edge');

  it('initial sync verifies everything; dnf installs from the copy', async () => {
    const r = await syncTo(server.url, dir, keys.rsa.publicKeyFile);
    expect(r.code, r.stderr).toBe(0);
    expect(r.json).toMatchObject({ upToDate: false, fetched: { packages: 10, metadata: 3 }, reused: { packages: 0 }, primaryParsed: true });
    expect(String(r.json?.['signer']).toLowerCase()).toBe(keys.rsa.fingerprint);
    expect(repoProblems(dir)).toEqual([]);
    expect(readFileSync(join(dir, 'repodata', 'repomd.xml'))).toEqual(readFileSync(join(up, 'repodata', 'repomd.xml')));
    expect(readdirSync(join(dir, '.berth-sync')).sort()).toEqual(['state.json']); // no lock, partial or staging left

    const c = dnfClient(join(work, 'dnf-1'), `file://${dir}`, [`file://${keys.rsa.publicKeyFile}`]);
    const i = await c.dnf(['install', 'berth-bench-2', 'berth-big-1']);
    expect(i.code, i.stdout + i.stderr).toBe(0);
    expect(await c.installed('berth-big-1')).toBe('berth-big-1-1.0-1.noarch');
  }, 300_000);

  it('unchanged upstream: one request (repomd.xml), no package requests', async () => {
    const before = server.requests().length;
    const r = await syncTo(server.url, dir, keys.rsa.publicKeyFile);
    expect(r.code, r.stderr).toBe(0);
    expect(r.json).toMatchObject({ upToDate: true, requests: 1, fetched: { packages: 0, metadata: 0 } });
    const reqs = server.requests().slice(before);
    expect(reqs.map((q) => q.path)).toEqual(['/repodata/repomd.xml']);
  }, 60_000);

  it('new upstream packages: only those are fetched; removed ones are deleted after the swap', async () => {
    const gone = basename(small[0]!);
    rmSync(join(pkgDir, gone));
    await publishUpstream(later);
    const before = server.requests().length;
    const r = await syncTo(server.url, dir, keys.rsa.publicKeyFile);
    expect(r.code, r.stderr).toBe(0);
    expect(r.json).toMatchObject({ fetched: { packages: 2 }, reused: { packages: 9 }, deleted: 1 + 3 }); // 1 package + 3 old metadata files
    const fetched = packageRequests(server.requests().slice(before)).map((q) => basename(q.path)).sort();
    expect(fetched).toEqual(later.map((f) => basename(f)).sort());
    expect(existsSync(join(dir, 'Packages', gone))).toBe(false);
    expect(repoProblems(dir)).toEqual([]);
  }, 120_000);

  it('a tampered package upstream fails the sync and leaves DIR as it was', async () => {
    const extra = await buildBig(1, 50_000, join(rpms, 'tamper'), 20);
    await rpmSign(extra, 'rsa');
    await publishUpstream(extra);
    const victim = join(pkgDir, basename(extra[0]!));
    const bytes = readFileSync(victim);
    const evil = Buffer.from(bytes);
    evil[evil.length - 100] = (evil[evil.length - 100]! + 1) & 0xff; // same size, other bytes
    writeFileSync(victim, evil);
    const before = snapshot(dir);
    const r = await syncTo(server.url, dir, keys.rsa.publicKeyFile);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/does not match the metadata.*\(sync\.checksum\)/);
    expect(snapshot(dir)).toEqual(before);
    expect(repoProblems(dir)).toEqual([]);
    writeFileSync(victim, bytes);
    const ok = await syncTo(server.url, dir, keys.rsa.publicKeyFile);
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.json).toMatchObject({ fetched: { packages: 1 } });
  }, 120_000);

  it('a bad repomd signature fails the sync and leaves DIR as it was', async () => {
    await publishUpstream([]);
    const good = await syncTo(server.url, dir, keys.rsa.publicKeyFile);
    expect(good.code, good.stderr).toBe(0);
    // new metadata, but signed by a key the appliance does not trust
    await publishUpstream(await buildMany(1, join(rpms, 'unsigned-meta')).then(async (f) => (await rpmSign(f, 'rsa'), f)));
    await detachSign(join(up, 'repodata', 'repomd.xml'), 'ed25519');
    const before = snapshot(dir);
    const r = await syncTo(server.url, dir, keys.rsa.publicKeyFile);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/signature does not verify.*\(sync\.bad-signature\)/);
    expect(snapshot(dir)).toEqual(before);
    // altered repomd.xml under the old signature
    await detachSign(join(up, 'repodata', 'repomd.xml'), 'rsa');
    const md = join(up, 'repodata', 'repomd.xml');
    const text = readFileSync(md, 'utf8');
    writeFileSync(md, text.replace('<revision>', '<revision>1'));
    const r2 = await syncTo(server.url, dir, keys.rsa.publicKeyFile);
    expect(r2.code).toBe(1);
    expect(r2.stderr).toMatch(/sync\.bad-signature/);
    expect(snapshot(dir)).toEqual(before);
    writeFileSync(md, text);
    // no key at all is refused before anything happens
    const none = await berth(['sync', server.url, dir], { allowFail: true });
    expect(none.code).toBe(1);
    expect(none.stderr).toMatch(/--key FILE.*--trust-server-key.*sync\.no-key/);
  }, 120_000);

  it('survives SIGKILL at random points: DIR stays a valid repo, finished files are never fetched again', async () => {
    const fresh = join(work, 'killed');
    const rand = mulberry32(20240611);
    const marks: { at: number; finished: string[] }[] = [];
    const main = join(repoRoot(), 'bin', 'berth.js');
    let completed = false;
    for (let round = 0; round < 12 && !completed; round++) {
      const at = server.requests().length;
      const child = spawn(process.execPath, [main, 'sync', server.url, fresh, '--key', keys.rsa.publicKeyFile, '--json', '--jobs', '2'], { stdio: 'ignore' });
      const exit = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
      // kill only in the later rounds' first second or two after the first package request
      const waitFor = Date.now() + 15_000;
      while (Date.now() < waitFor && child.exitCode === null && !packageRequests(server.requests().slice(at)).length) await new Promise((r) => setTimeout(r, 20));
      if (round < 5) {
        await Promise.race([exit, new Promise((r) => setTimeout(r, 50 + rand() * 900))]);
        if (child.exitCode === null) child.kill('SIGKILL');
      }
      const code = await exit;
      completed = code === 0;
      // After every run, killed or not: DIR is either still empty of metadata or a whole repo.
      if (existsSync(join(fresh, 'repodata', 'repomd.xml'))) expect(repoProblems(fresh)).toEqual([]);
      marks.push({ at: server.requests().length, finished: files(join(fresh, 'Packages')) });
    }
    expect(completed).toBe(true);
    expect(repoProblems(fresh)).toEqual([]);
    const all = server.requests();
    for (const [k, m] of marks.entries()) {
      const later = packageRequests(all.slice(m.at)).map((q) => q.path.replace(/^\/Packages\//, ''));
      expect(later.filter((p) => m.finished.includes(p)), `round ${k}`).toEqual([]);
    }
    // at least one interrupted download was resumed with a range request
    expect(packageRequests(all).some((q) => q.range !== null && q.status === 206)).toBe(true);
    const c = dnfClient(join(work, 'dnf-kill'), `file://${fresh}`, [`file://${keys.rsa.publicKeyFile}`]);
    const i = await c.dnf(['install', 'berth-big-3']);
    expect(i.code, i.stdout + i.stderr).toBe(0);
  }, 600_000);
});
