/**
 * Steps of the scale bench (bench/scale.ts): a repo set up through the real API, packages pushed
 * with the real CLI, single publishes timed to 201 and to visible, createrepo_c --update timed on
 * the same packages, and a store seeded directly (only for the largest size: see scale.ts).
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, readFile, rm, symlink, unlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import type { BerthChild } from './berth-server.js';
import { hasGnuTime, measure } from './measure.js';
import { signedFileName, signedPackage, type BenchKey } from './synth-signed.js';

export const TENANT = 'bench';
export const REPO = 'main';

/** Tenant, private repo (signatures required), the bench key trusted, a publish+read token. */
export async function setUp(b: BerthChild, admin: string, key: BenchKey): Promise<string> {
  await b.api('POST', '/api/v1/tenants', { name: TENANT });
  await b.api('POST', `/api/v1/tenants/${TENANT}/repos`, { name: REPO });
  const res = await fetch(`${b.url}/api/v1/tenants/${TENANT}/keys`, {
    method: 'POST', body: await readFile(key.publicFile, 'utf8'), headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/pgp-keys' },
  });
  if (!res.ok) throw new Error(`key add: ${res.status} ${await res.text()}`);
  const t = (await b.api('POST', `/api/v1/tenants/${TENANT}/tokens`, { scopes: ['publish', 'read'] })) as { token: string };
  return t.token;
}

/**
 * `berth push --jobs N` of `files` (in command lines of at most 2,000 files); seconds, and the
 * CPU seconds (user + system) the `berth push` processes used (GNU time, when there is one).
 */
export async function push(root: string, url: string, token: string, files: readonly string[], jobs = 4): Promise<{ seconds: number; revision: number; refused: number; cpu: number }> {
  const t0 = performance.now();
  let revision = 0;
  let refused = 0;
  let cpu = 0;
  const timed = hasGnuTime();
  for (let i = 0; i < files.length; i += 2000) {
    const batch = files.slice(i, i + 2000);
    const cpuFile = join(tmpdir(), `berth-push-cpu-${process.pid}-${i}`);
    const cmd = [join(root, 'bin', 'berth.js'), 'push', `${TENANT}/${REPO}`, '--jobs', String(jobs), '--json', ...batch];
    const out = await new Promise<string>((resolve, reject) => {
      const child = spawn(timed ? '/usr/bin/time' : process.execPath, timed ? ['-f', '%U %S', '-o', cpuFile, process.execPath, ...cmd] : cmd, {
        env: { ...process.env, BERTH_URL: url, BERTH_TOKEN: token }, stdio: ['ignore', 'pipe', 'inherit'],
      });
      let text = '';
      child.stdout.on('data', (d: Buffer) => (text += d.toString()));
      child.once('error', reject);
      child.once('exit', () => resolve(text));
    });
    if (timed) {
      const [user, sys] = (await readFile(cpuFile, 'utf8')).trim().split(/\s+/).slice(-2).map(Number);
      cpu += (user ?? 0) + (sys ?? 0);
      await unlink(cpuFile).catch(() => undefined);
    }
    const json = JSON.parse(out) as { results: { ok: boolean; revision?: number }[] };
    for (const r of json.results) {
      if (r.ok) revision = Math.max(revision, r.revision ?? 0);
      else refused++;
    }
  }
  return { seconds: (performance.now() - t0) / 1000, revision, refused, cpu: timed ? cpu : NaN };
}

/** Waits until the served repomd.xml is built from index revision ≥ `revision`; ms waited. */
export async function waitVisible(url: string, token: string, revision: number, timeoutMs = 1_800_000): Promise<number> {
  const t0 = performance.now();
  for (;;) {
    const res = await fetch(`${url}/${TENANT}/${REPO}/repodata/repomd.xml`, { headers: { authorization: `Bearer ${token}` } });
    const m = /<revision>(\d+)<\/revision>/.exec(await res.text());
    if (m && Number(m[1]) >= revision) return performance.now() - t0;
    if (performance.now() - t0 > timeoutMs) throw new Error(`repomd.xml never reached revision ${revision}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** One PUT of package `i` (signed): ms to the 201, then ms until repomd.xml shows it. */
export async function publishOne(url: string, token: string, i: number, key: BenchKey): Promise<{ ack: number; visible: number }> {
  const bytes = await signedPackage(i, key);
  const t0 = performance.now();
  const res = await fetch(`${url}/api/v1/repos/${TENANT}/${REPO}/packages`, {
    method: 'PUT', body: bytes as Uint8Array<ArrayBuffer>, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/x-rpm' },
  });
  const ack = performance.now() - t0;
  const body = (await res.json()) as { revision?: number };
  if (res.status !== 201) throw new Error(`publish ${i}: ${res.status} ${JSON.stringify(body)}`);
  await waitVisible(url, token, body.revision ?? 0);
  return { ack, visible: performance.now() - t0 };
}

/** Only the 201 of `n` sequential publishes from index `from` on (ms each). */
export async function acks(url: string, token: string, from: number, n: number, key: BenchKey): Promise<number[]> {
  const out: number[] = [];
  for (let i = from; i < from + n; i++) {
    const bytes = await signedPackage(i, key);
    const t0 = performance.now();
    const res = await fetch(`${url}/api/v1/repos/${TENANT}/${REPO}/packages`, {
      method: 'PUT', body: bytes as Uint8Array<ArrayBuffer>, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/x-rpm' },
    });
    await res.arrayBuffer();
    if (res.status !== 201) throw new Error(`publish ${i}: ${res.status}`);
    out.push(performance.now() - t0);
  }
  return out;
}

/**
 * createrepo_c on the same packages (links to the bench's files): metadata for `files` made
 * untimed, then package `extra` added and `createrepo_c --update` timed.
 */
export async function createrepoUpdate(dir: string, files: readonly string[], extra: string): Promise<{ seconds: number; rssKiB: number }> {
  const pkgs = join(dir, 'Packages');
  if (!existsSync(join(dir, 'repodata'))) {
    await rm(dir, { recursive: true, force: true });
    await mkdir(pkgs, { recursive: true });
    for (const f of files) await symlink(f, join(pkgs, basename(f)));
    const prep = spawnSync('createrepo_c', ['--no-database', '-q', dir]);
    if (prep.status !== 0) throw new Error(`createrepo_c failed: ${prep.stderr}`);
  }
  const target = join(pkgs, basename(extra));
  await unlink(target).catch(() => undefined);
  const prep = spawnSync('createrepo_c', ['--update', '--no-database', '-q', dir]); // back to N (untimed)
  if (prep.status !== 0) throw new Error(`createrepo_c failed: ${prep.stderr}`);
  await copyFile(extra, target);
  const m = measure('createrepo_c', ['--update', '--no-database', '-q', dir], { timeoutMs: 3_600_000 });
  return { seconds: m.seconds, rssKiB: m.maxRssKiB };
}

export const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s.length % 2 ? (s[(s.length - 1) / 2] as number) : ((s[s.length / 2 - 1] as number) + (s[s.length / 2] as number)) / 2;
};

export const p90 = (xs: readonly number[]): number => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * 0.9))] ?? NaN;

export { signedFileName };
