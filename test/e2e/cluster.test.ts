// `berth serve --workers 2`: two server processes on one port (node:cluster, round-robin
// connections). Each worker has its own serve cache; these tests hold that a publish and a token
// revocation made through one worker take effect in the other at once — every request is sent
// on a new connection, so consecutive requests alternate between the workers.
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { synthPackage } from '../../bench/lib/synth-repo.js';
import { eventually, startBerthServer, type BerthServer } from '../helpers/service.js';

const ADMIN = `op-${randomUUID()}`;
const TENANT = 'acme';

interface Answer {
  status: number;
  body: string;
}

/** One request on its own TCP connection (no keep-alive agent), so the cluster picks a worker. */
function fresh(url: string, headers: Record<string, string> = {}): Promise<Answer> {
  return new Promise((resolveAnswer, reject) => {
    const req = request(url, { agent: false, headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolveAnswer({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** The server's worker processes (tsx may have a helper child too: only `serve` ones count). */
const workerPids = (primary: number): number[] =>
  execFileSync('pgrep', ['-P', String(primary), '-f', 'serve'], { encoding: 'utf8' }).trim().split('\n').map(Number);

const revisionOf = (xml: string): number => Number(/<revision>(\d+)<\/revision>/.exec(xml)?.[1] ?? NaN);

describe('berth serve --workers 2', () => {
  const data = mkdtempSync(join(tmpdir(), 'berth-cluster-'));
  let server: BerthServer;

  async function api<T>(method: string, path: string, body?: unknown, signal?: AbortSignal): Promise<T> {
    const bytes = body instanceof Uint8Array;
    const res = await fetch(`${server.url}${path}`, {
      method,
      ...(signal ? { signal } : {}),
      headers: {
        authorization: `Bearer ${ADMIN}`,
        ...(body === undefined ? {} : { 'content-type': bytes ? 'application/x-rpm' : 'application/json' }),
      },
      ...(body === undefined ? {} : { body: bytes ? (body as Uint8Array<ArrayBuffer>) : JSON.stringify(body) }),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`);
    return (text ? JSON.parse(text) : null) as T;
  }

  beforeAll(async () => {
    server = await startBerthServer({ data, env: { BERTH_ADMIN_TOKEN: ADMIN }, args: ['--workers', '2'] });
    await api('POST', '/api/v1/tenants', { name: TENANT });
    await api('POST', `/api/v1/tenants/${TENANT}/repos`, { name: 'main', public: false, allowUnsigned: true });
  }, 60_000);

  afterAll(async () => {
    const code = await server?.stop();
    rmSync(data, { recursive: true, force: true });
    expect(code).toBe(0);
  });

  it('runs two worker processes under one primary, and one listening line names the URL', () => {
    expect(workerPids(server.pid)).toHaveLength(2);
    const lines = server.stderr().split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as { msg: string; workers?: number });
    expect(lines.filter((l) => l.msg === 'listening')).toEqual([expect.objectContaining({ workers: 2 })]);
    expect(lines.filter((l) => l.msg === 'worker listening')).toHaveLength(2);
  });

  it('a publish through one worker is served by every worker right after it is visible', async () => {
    const { token } = await api<{ token: string }>('POST', `/api/v1/tenants/${TENANT}/tokens`, { scopes: ['read'] });
    const auth = { authorization: `Basic ${Buffer.from(`dnf:${token}`).toString('base64')}` };
    const repomd = `${server.url}/${TENANT}/main/repodata/repomd.xml`;
    for (let i = 1; i <= 3; i++) {
      const { revision } = await api<{ revision: number }>('PUT', `/api/v1/repos/${TENANT}/main/packages`, synthPackage(i).bytes);
      // Both workers hold the current generation in their caches now (pointer TTL 1 s)...
      await eventually(`revision ${revision} served`, async () => {
        const a = await fresh(repomd, auth);
        return a.status === 200 && revisionOf(a.body) >= revision ? true : undefined;
      }, 30_000);
      // ...and the next requests, alternating between the workers, all see it: the worker that
      // regenerated told its sibling before the first one could be answered the new revision
      // (without that, the sibling would serve its cached pointer for up to a second).
      const answers = await Promise.all(Array.from({ length: 6 }, () => fresh(repomd, auth)));
      expect(answers.map((a) => a.status)).toEqual(Array(6).fill(200));
      expect(answers.map((a) => revisionOf(a.body))).toEqual(Array(6).fill(revision));
    }
  }, 90_000);

  it('20 concurrent publishes spread over both workers all land (the fs store lock spans the workers)', async () => {
    await api('POST', `/api/v1/tenants/${TENANT}/repos`, { name: 'busy', public: true, allowUnsigned: true });
    const pkgs = Array.from({ length: 20 }, (_, i) => synthPackage(100 + i));
    const results = await Promise.all(pkgs.map((p) => api<{ revision: number }>('PUT', `/api/v1/repos/${TENANT}/busy/packages`, p.bytes)));
    const listed = await api<{ packages: { name: string }[] }>('GET', `/api/v1/repos/${TENANT}/busy/packages`);
    expect(listed.packages.map((p) => p.name).sort()).toEqual(pkgs.map((p) => p.name).sort());
    const last = Math.max(...results.map((r) => r.revision));
    const repomd = await eventually('the last revision served', async () => {
      const a = await fresh(`${server.url}/${TENANT}/busy/repodata/repomd.xml`);
      return a.status === 200 && revisionOf(a.body) >= last ? a.body : undefined;
    }, 60_000);
    const href = /<data type="primary">[\s\S]*?<location href="([^"]+)"/.exec(repomd)?.[1];
    const gz = await fetch(`${server.url}/${TENANT}/busy/${href}`);
    const primary = gunzipSync(Buffer.from(await gz.arrayBuffer())).toString('utf8');
    expect([...primary.matchAll(/<name>([^<]+)<\/name>/g)].map((m) => m[1]).sort()).toEqual(pkgs.map((p) => p.name).sort());
  }, 120_000);

  it('a token revoked through one worker is refused by every worker at once', async () => {
    const { token, id } = await api<{ token: string; id: string }>('POST', `/api/v1/tenants/${TENANT}/tokens`, { scopes: ['read'] });
    const auth = { authorization: `Basic ${Buffer.from(`dnf:${token}`).toString('base64')}` };
    const url = `${server.url}/${TENANT}/main/repodata/repomd.xml`;
    // Both workers cache the verified credential (5 s).
    const before = await Promise.all(Array.from({ length: 6 }, () => fresh(url, auth)));
    expect(before.map((a) => a.status)).toEqual(Array(6).fill(200));
    await api('DELETE', `/api/v1/tokens/${id}`);
    const after = await Promise.all(Array.from({ length: 6 }, () => fresh(url, auth)));
    expect(after.map((a) => a.status)).toEqual(Array(6).fill(401));
  }, 60_000);

  it('a killed worker is replaced, and the store lock it may have held does not wedge publishing', async () => {
    const [victim] = workerPids(server.pid);
    await api('POST', `/api/v1/tenants/${TENANT}/repos`, { name: 'after', public: true, allowUnsigned: true });
    const pkgs = Array.from({ length: 8 }, (_, i) => synthPackage(200 + i));
    // Killed mid-burst: whatever it held is released by the primary when it exits. A connection
    // the primary handed to the victim as it died is never answered (node:cluster round-robin
    // keeps it open), so the burst's requests time out like a real client's would.
    const burst = Promise.allSettled(pkgs.map((p) => api('PUT', `/api/v1/repos/${TENANT}/after/packages`, p.bytes, AbortSignal.timeout(15_000))));
    process.kill(victim!, 'SIGKILL');
    await burst;
    await eventually('a replacement worker', async () => {
      const now = workerPids(server.pid);
      return now.length === 2 && !now.includes(victim!) ? now : undefined;
    }, 30_000);
    await eventually('the replacement listening', async () =>
      server.stderr().split('\n').filter((l) => l.includes('"worker listening"')).length >= 3 ? true : undefined, 30_000);
    // Every package is publishable now (retried ones answer 200: same bytes, idempotent).
    for (const p of pkgs) await api('PUT', `/api/v1/repos/${TENANT}/after/packages`, p.bytes);
    const listed = await api<{ packages: { name: string }[] }>('GET', `/api/v1/repos/${TENANT}/after/packages`);
    expect(listed.packages.map((p) => p.name).sort()).toEqual(pkgs.map((p) => p.name).sort());
    expect(server.stderr()).toContain('worker exited; starting a replacement');
  }, 90_000);

  it('stops gracefully on SIGTERM: the primary and both workers exit', async () => {
    const children = workerPids(server.pid);
    expect(children).toHaveLength(2);
    expect(await server.stop()).toBe(0);
    for (const pid of children) expect(() => process.kill(pid, 0)).toThrow();
  }, 60_000);
});
